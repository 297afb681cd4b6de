using CyberVault.Exporter.Hosting;

return await ExporterHost.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
