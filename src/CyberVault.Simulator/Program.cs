using CyberVault.Simulator;

// Standalone host: dotnet run --project src/CyberVault.Simulator -- [options]. See README.md next to this file.
return await StandaloneHost.RunAsync(args).ConfigureAwait(false);
