using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CyberVault.Exporter.Configuration;

/// <summary>
/// Reads <c>exporter.yml</c> strictly: unknown keys, wrong types and bad values are errors naming the
/// key path, the value and the line. Maps YamlDotNet's representation model by hand (no reflection:
/// the exporter targets Native AOT) and collects every error before throwing one <see cref="ConfigException"/>.
/// </summary>
internal static class ConfigLoader
{
    public const string DefaultFileName = "exporter.yml";

    /// <summary>Reads and validates a file. Relative paths inside it are resolved against its folder.</summary>
    /// <exception cref="ConfigException">The file cannot be read or is invalid; lists every error.</exception>
    public static ExporterConfig Load(string path)
    {
        var text = ReadText(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();
        return Parse(text, path, directory);
    }

    /// <summary>The text of a configuration file, with size limit and readable errors; shared by every YAML file.</summary>
    /// <exception cref="ConfigException">The file is missing, a directory, too large or unreadable.</exception>
    internal static string ReadText(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw FileError(path, Directory.Exists(path) ? "is a directory, not a file" : "cannot read the file: it does not exist");
            }

            if (info.Length > ConfigLimits.MaxFileBytes)
            {
                throw FileError(path, $"the file is {info.Length.ToString(CultureInfo.InvariantCulture)} bytes; a configuration may be at most {ConfigLimits.MaxFileBytes.ToString(CultureInfo.InvariantCulture)} bytes");
            }

            return ReadUtf8(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw FileError(path, "cannot read the file: permission denied");
        }
        catch (IOException e)
        {
            throw FileError(path, $"cannot read the file: {e.Message}");
        }
    }

    /// <summary>
    /// The file as UTF-8 text (a BOM is allowed). Anything else (Latin-1, UTF-16 without a BOM, a binary or compressed
    /// file passed by mistake) is refused with the place of the first bad byte, instead of parsing mojibake.
    /// </summary>
    private static string ReadUtf8(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var start = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        var body = bytes.AsSpan(start);
        var nul = body.IndexOf((byte)0);
        if (nul < 0 && System.Text.Unicode.Utf8.IsValid(body))
        {
            return Encoding.UTF8.GetString(body);
        }

        // Decoding without replacement stops at the first invalid sequence and says where it is.
        System.Text.Unicode.Utf8.ToUtf16(body, new char[body.Length], out var bad, out _, replaceInvalidSequences: false);
        if (nul >= 0 && nul < bad)
        {
            bad = nul;
        }

        var before = body[..bad];
        var line = before.Count((byte)'\n') + 1;
        var column = Encoding.UTF8.GetCharCount(before[(before.LastIndexOf((byte)'\n') + 1)..]) + 1;
        var what = body[bad] == 0 ? "a NUL byte" : $"the byte 0x{body[bad]:X2}";
        throw new ConfigException([new ConfigError(path, line, column, "",
            $"the file is not UTF-8 text ({what}); save it as UTF-8 (a binary, compressed or UTF-16 file cannot be a configuration)")]);
    }

    /// <summary>Validates YAML text; relative file paths in it are resolved against the current directory.</summary>
    public static ExporterConfig Parse(string yaml, string sourceName) =>
        Parse(yaml, sourceName, Directory.GetCurrentDirectory());

    /// <param name="baseDirectory">Where relative <c>api_key_file</c>, <c>tls.ca_file</c> and <c>secret_files</c> paths start.</param>
    public static ExporterConfig Parse(string yaml, string sourceName, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(baseDirectory);

        var stream = LoadYaml(yaml, sourceName);
        var reader = new Reader(sourceName, baseDirectory);
        var config = reader.Read(stream);
        if (reader.Errors.Count > 0 || config is null)
        {
            throw new ConfigException(reader.Errors);
        }

        return config;
    }

    /// <summary>
    /// Parses YAML text into its representation model; a syntax error or a duplicate key (every one, with its key
    /// path) becomes a located <see cref="ConfigException"/>. Shared by every strict YAML file the exporter reads.
    /// </summary>
    internal static YamlStream LoadYaml(string yaml, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourceName);
        IReadOnlyList<ConfigError> duplicates;
        var stream = new YamlStream();
        var parser = new TrackingParser(new Parser(new StringReader(yaml)));
        try
        {
            duplicates = YamlDuplicateKeys.Find(yaml, sourceName);
            if (duplicates.Count == 0)
            {
                stream.Load(parser);
            }
        }
        catch (YamlException e) when (e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && FirstIndentingTab(yaml) is { Line: > 0 } tab)
        {
            // YamlDotNet points at the start of the enclosing mapping; the tab itself is what needs fixing.
            throw new ConfigException([new ConfigError(sourceName, tab.Line, tab.Column, "", "YAML syntax error: a tab in the indentation; YAML indents with spaces only")]);
        }
        catch (YamlException e)
        {
            throw new ConfigException([new ConfigError(sourceName, ToInt(e.Start.Line), ToInt(e.Start.Column), "", $"YAML syntax error: {e.Message}")]);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException or OverflowException)
        {
            // YamlDotNet's representation model throws plain exceptions on a few constructs (found by fuzzing);
            // they are still the file's fault and must read as one located error, not a crash.
            var at = parser.Last;
            throw new ConfigException([new ConfigError(sourceName, Math.Max(1, ToInt(at.Line)), Math.Max(1, ToInt(at.Column)), "", $"YAML the exporter cannot read near here: {e.Message}")]);
        }

        if (duplicates.Count > 0)
        {
            throw new ConfigException(duplicates);
        }

        return stream;
    }

    /// <summary>Line and column (1-based) of the first tab among a line's leading whitespace, or (0, 0).</summary>
    private static (int Line, int Column) FirstIndentingTab(string yaml)
    {
        var lines = yaml.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
            if (tab >= 0 && tab < indent)
            {
                return (i + 1, tab + 1);
            }
        }

        return (0, 0);
    }

    internal static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    internal static string Index(string path, int index) => string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]");

    internal static int ToInt(long value) => (int)Math.Clamp(value, 0, int.MaxValue);

    private static ConfigException FileError(string path, string message) =>
        new([new ConfigError(path, 0, 0, "", message)]);

    /// <summary>One pass over one document; holds the errors found so far.</summary>
    private sealed class Reader(string sourceName, string baseDirectory) : YamlNodeReader(sourceName, baseDirectory)
    {
        private const string EnvironmentNamePattern = "[A-Za-z_][A-Za-z0-9_]*";

        private static readonly string[] RootKeys = ["web", "targets"];
        private static readonly string[] WebKeys = ["listen_address"];
        private static readonly string[] TargetKeys =
            ["name", "base_url", "api_key_file", "api_key_env", "tier", "budget_share", "tls", "allow_insecure_http", "polling", "webhook"];
        private static readonly string[] TlsKeys = ["ca_file"];
        private static readonly string[] PollingKeys =
            ["status_interval", "alerts_interval", "alert_statuses", "page_size", "max_pages", "max_staleness"];
        private static readonly string[] WebhookKeys = ["enabled", "path", "secret_files", "max_body_bytes", "dedupe_window"];
        private static readonly string[] TierNames = ["starter", "professional", "enterprise"];

        public ExporterConfig? Read(YamlStream stream)
        {
            if (stream.Documents.Count > 1)
            {
                var second = stream.Documents[1].RootNode;
                Error(second, "", "only one YAML document is allowed; remove the second '---'");
                return null;
            }

            var root = stream.Documents.Count == 1 ? stream.Documents[0].RootNode : null;
            if (root is null || IsNull(root))
            {
                Errors.Add(new ConfigError(Source, 1, 1, "", "the configuration is empty; it needs a targets: list with at least one target"));
                return null;
            }

            if (root is not YamlMappingNode rootMapping)
            {
                Error(root, "", $"expected a mapping with the keys web and targets, got {Describe(root)}");
                return null;
            }

            var keys = ReadKeys(rootMapping, "", RootKeys);
            var web = keys.TryGetValue("web", out var webNode) ? ReadWeb(webNode, "web") : new WebConfig(WebConfig.DefaultListenAddress);
            var targets = keys.TryGetValue("targets", out var targetsNode) ? ReadTargets(targetsNode.Value, "targets") : null;
            if (targetsNode is null)
            {
                Error(rootMapping, "targets", "missing; at least one target is required");
            }

            return web is null || targets is null ? null : new ExporterConfig(web, targets);
        }

        private WebConfig? ReadWeb(Entry entry, string path)
        {
            if (!AsMapping(entry.Value, path, out var mapping))
            {
                return mapping is null && IsNull(entry.Value) ? new WebConfig(WebConfig.DefaultListenAddress) : null;
            }

            var keys = ReadKeys(mapping, path, WebKeys);
            if (!keys.TryGetValue("listen_address", out var address))
            {
                return new WebConfig(WebConfig.DefaultListenAddress);
            }

            var addressPath = Join(path, "listen_address");
            var text = ReadString(address.Value, addressPath);
            if (text is null)
            {
                return null;
            }

            if (!ListenEndpoint.TryParse(text, out _, out var error))
            {
                Error(address.Value, addressPath, $"{Show(address.Value)} is not a listen address: {error}");
                return null;
            }

            return new WebConfig(text);
        }

        private ValueList<TargetConfig>? ReadTargets(YamlNode node, string path)
        {
            if (node is not YamlSequenceNode sequence)
            {
                Error(node, path, IsNull(node)
                    ? "the list is empty; at least one target is required"
                    : $"expected a list of targets, got {Describe(node)}");
                return null;
            }

            if (sequence.Children.Count == 0)
            {
                Error(node, path, "the list is empty; at least one target is required");
                return null;
            }

            if (sequence.Children.Count > ConfigLimits.MaxTargets)
            {
                Error(node, path, $"{sequence.Children.Count.ToString(CultureInfo.InvariantCulture)} targets are above the maximum {ConfigLimits.MaxTargets.ToString(CultureInfo.InvariantCulture)}");
                return null;
            }

            var targets = new List<TargetConfig>();
            var names = new Dictionary<string, int>(StringComparer.Ordinal);
            var webhookPaths = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            var ok = true;
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                var target = ReadTarget(sequence.Children[i], Index(path, i), i, names, webhookPaths);
                if (target is null)
                {
                    ok = false;
                }
                else
                {
                    targets.Add(target);
                }
            }

            return ok ? new ValueList<TargetConfig>(targets) : null;
        }

        private TargetConfig? ReadTarget(YamlNode node, string path, int index, Dictionary<string, int> names, Dictionary<string, int> webhookPaths)
        {
            if (!AsMapping(node, path, out var mapping))
            {
                if (mapping is null && IsNull(node))
                {
                    Error(node, path, "empty target; it needs at least name, base_url and tier");
                }

                return null;
            }

            var before = Errors.Count;
            var keys = ReadKeys(mapping, path, TargetKeys);

            var name = Required(keys, mapping, path, "name", "a name for the target label, matching [a-z0-9_-]+") is { } nameEntry
                ? ReadTargetName(nameEntry, Join(path, "name"), index, names)
                : null;

            var allowInsecure = keys.TryGetValue("allow_insecure_http", out var insecureEntry)
                && ReadBool(insecureEntry.Value, Join(path, "allow_insecure_http")) == true;

            var baseUrl = Required(keys, mapping, path, "base_url", "the API's base URL, e.g. https://api.cybervault.io/v2") is { } urlEntry
                ? ReadBaseUrl(urlEntry.Value, Join(path, "base_url"), allowInsecure)
                : null;

            var apiKey = ReadApiKeySource(keys, path);

            Tier? tier = Required(keys, mapping, path, "tier", "one of starter, professional, enterprise") is { } tierEntry
                ? ReadTier(tierEntry.Value, Join(path, "tier"))
                : null;

            var share = ConfigLimits.DefaultBudgetShare;
            if (keys.TryGetValue("budget_share", out var shareEntry))
            {
                share = ReadBudgetShare(shareEntry.Value, Join(path, "budget_share")) ?? share;
            }

            string? caFile = null;
            if (keys.TryGetValue("tls", out var tlsEntry))
            {
                caFile = ReadTls(tlsEntry.Value, Join(path, "tls"));
            }

            var polling = keys.TryGetValue("polling", out var pollingEntry)
                ? ReadPolling(pollingEntry.Value, Join(path, "polling"))
                : ReadPolling(null, Join(path, "polling"));

            var webhook = ReadWebhook(keys.TryGetValue("webhook", out var webhookEntry) ? webhookEntry.Value : null, mapping, Join(path, "webhook"), name ?? "", index, webhookPaths);

            if (Errors.Count > before || name is null || baseUrl is null || apiKey is null || tier is null || polling is null || webhook is null)
            {
                return null;
            }

            return new TargetConfig
            {
                Name = name,
                BaseUrl = baseUrl,
                ApiKey = apiKey,
                Tier = tier.Value,
                BudgetShare = share,
                TlsCaFile = caFile,
                AllowInsecureHttp = allowInsecure,
                Polling = polling,
                Webhook = webhook,
            };
        }

        private string? ReadTargetName(Entry entry, string path, int index, Dictionary<string, int> names)
        {
            var name = ReadString(entry.Value, path);
            if (name is null)
            {
                return null;
            }

            if (name.Length > ConfigLimits.MaxTargetNameLength)
            {
                Error(entry.Value, path, $"{Show(entry.Value)} is {name.Length.ToString(CultureInfo.InvariantCulture)} characters long; the maximum is {ConfigLimits.MaxTargetNameLength.ToString(CultureInfo.InvariantCulture)}");
                return null;
            }

            if (name.Length < ConfigLimits.MinTargetNameLength || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-'))
            {
                Error(entry.Value, path, $"{Show(entry.Value)} must match [a-z0-9_-]+ (lower-case letters, digits, _ and -): it becomes the target label");
                return null;
            }

            if (names.TryGetValue(name, out var first))
            {
                Error(entry.Value, path, $"{name} is already the name of targets[{first.ToString(CultureInfo.InvariantCulture)}]; names must be unique");
                return null;
            }

            names[name] = index;
            return name;
        }

        private Uri? ReadBaseUrl(YamlNode node, string path, bool allowInsecure)
        {
            var text = ReadString(node, path);
            if (text is null)
            {
                return null;
            }

            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp && !text.Contains("://", StringComparison.Ordinal)))
            {
                Error(node, path, $"{ShowUrl(text, null)} is not an absolute URL; expected e.g. https://api.cybervault.io/v2");
                return null;
            }

            var shown = ShowUrl(text, uri);
            var ok = true;
            if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            {
                Error(node, path, $"{shown}: the scheme must be https");
                return null;
            }

            if (uri.UserInfo.Length > 0 || text.Contains('@', StringComparison.Ordinal))
            {
                // The user info may be a credential: it is never shown, and the key belongs in api_key_file/api_key_env.
                Error(node, path, $"{shown} must not contain user info (user:password@); put the API key in api_key_file or api_key_env");
                ok = false;
            }

            if (text.Contains('?', StringComparison.Ordinal))
            {
                Error(node, path, $"{shown} must not have a query string");
                ok = false;
            }

            if (text.Contains('#', StringComparison.Ordinal))
            {
                Error(node, path, $"{shown} must not have a fragment");
                ok = false;
            }

            if (uri.Scheme == Uri.UriSchemeHttp)
            {
                if (!allowInsecure)
                {
                    Error(node, path, $"{shown}: http:// is refused, use https:// (allow_insecure_http: true permits http only for 127.0.0.1, localhost or ::1)");
                    ok = false;
                }
                else if (!IsLoopbackHost(uri))
                {
                    Error(node, path, $"{shown}: http:// is only allowed for 127.0.0.1, localhost or ::1, not {uri.Host}");
                    ok = false;
                }
            }

            if (!ok)
            {
                return null;
            }

            var trimmed = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
            return new Uri(trimmed, UriKind.Absolute);
        }

        private ApiKeySource? ReadApiKeySource(Dictionary<string, Entry> keys, string path)
        {
            keys.TryGetValue("api_key_file", out var fileEntry);
            keys.TryGetValue("api_key_env", out var envEntry);
            if (fileEntry is not null && envEntry is not null)
            {
                var later = fileEntry.Key.Start.Line > envEntry.Key.Start.Line ? fileEntry : envEntry;
                var other = later == fileEntry ? "api_key_env" : "api_key_file";
                Error(later.Key, Join(path, later.Key.Value ?? ""), $"cannot be combined with {other} (line {ToInt((later == fileEntry ? envEntry : fileEntry).Key.Start.Line).ToString(CultureInfo.InvariantCulture)}); give one key source");
                return null;
            }

            if (fileEntry is not null)
            {
                var file = ReadPath(fileEntry.Value, Join(path, "api_key_file"));
                return file is null ? null : new ApiKeySource(file, null);
            }

            if (envEntry is not null)
            {
                var envPath = Join(path, "api_key_env");

                // Neither error shows the value: a key pasted here by mistake must not reach a log.
                if (envEntry.Value is not YamlScalarNode scalar || IsNull(scalar))
                {
                    ReadString(envEntry.Value, envPath);
                    return null;
                }

                var name = scalar.Value ?? "";
                if (LooksLikeApiKey(name))
                {
                    Error(scalar, envPath, "looks like an API key, not the name of an environment variable (value not shown); put the key in the variable and name the variable here");
                    return null;
                }

                if (!IsEnvironmentName(name))
                {
                    Error(scalar, envPath, $"is not an environment variable name matching {EnvironmentNamePattern} (value not shown)");
                    return null;
                }

                return new ApiKeySource(null, name);
            }

            return new ApiKeySource(null, ApiKeySource.DefaultEnvironmentVariable);
        }

        private Tier? ReadTier(YamlNode node, string path)
        {
            var text = ReadString(node, path);
            switch (text)
            {
                case null:
                    return null;
                case "starter":
                    return Tier.Starter;
                case "professional":
                    return Tier.Professional;
                case "enterprise":
                    return Tier.Enterprise;
                default:
                    Error(node, path, $"{Show(node)} is not a tier; expected one of starter, professional, enterprise{DidYouMean(text, TierNames)}");
                    return null;
            }
        }

        private double? ReadBudgetShare(YamlNode node, string path)
        {
            var value = ReadNumber(node, path);
            if (value is null)
            {
                return null;
            }

            if (value <= 0 || value > 1)
            {
                Error(node, path, $"{Show(node)} is out of range: it must be greater than 0 and at most 1 (e.g. 0.5 for half the tier's budget)");
                return null;
            }

            return value;
        }

        private string? ReadTls(YamlNode node, string path)
        {
            if (!AsMapping(node, path, out var mapping))
            {
                return null;
            }

            var keys = ReadKeys(mapping, path, TlsKeys);
            if (!keys.TryGetValue("ca_file", out var caEntry))
            {
                return null;
            }

            var caPath = Join(path, "ca_file");
            var file = ReadExistingFile(caEntry.Value, caPath);
            if (file is null || ReadPemCertificates(caEntry.Value, caPath, file) is not { } certificates)
            {
                return null;
            }

            // Only checked here: the API client loads the file itself when it builds its handler.
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }

            return file;
        }

        private PollingConfig? ReadPolling(YamlNode? node, string path)
        {
            var defaults = new PollingConfig();
            Dictionary<string, Entry> keys;
            YamlNode anchor;
            if (node is null || IsNull(node))
            {
                keys = [];
                anchor = node ?? new YamlScalarNode();
            }
            else if (AsMapping(node, path, out var mapping))
            {
                keys = ReadKeys(mapping, path, PollingKeys);
                anchor = mapping;
            }
            else
            {
                return null;
            }

            var before = Errors.Count;
            var status = ReadBoundedDuration(keys, path, "status_interval", defaults.StatusInterval, ConfigLimits.MinStatusInterval, ConfigLimits.MaxPollingInterval);
            var alerts = ReadBoundedDuration(keys, path, "alerts_interval", defaults.AlertsInterval, ConfigLimits.MinAlertsInterval, ConfigLimits.MaxPollingInterval);
            var statuses = keys.TryGetValue("alert_statuses", out var statusesEntry)
                ? ReadAlertStatuses(statusesEntry.Value, Join(path, "alert_statuses"))
                : new ValueList<string>(PollingConfig.DefaultAlertStatuses);
            var pageSize = ReadBoundedInteger(keys, path, "page_size", PollingConfig.DefaultPageSize, ConfigLimits.MinPageSize, ConfigLimits.MaxPageSize);
            var maxPages = ReadBoundedInteger(keys, path, "max_pages", PollingConfig.DefaultMaxPages, ConfigLimits.MinMaxPages, ConfigLimits.MaxMaxPages);
            var staleness = ReadBoundedDuration(keys, path, "max_staleness", defaults.MaxStaleness, ConfigLimits.MinStatusInterval, ConfigLimits.MaxMaxStaleness);

            if (status is { } s && staleness is { } m && m < s)
            {
                var statusText = Duration.Format(s);
                if (keys.TryGetValue("max_staleness", out var stalenessEntry))
                {
                    Error(stalenessEntry.Value, Join(path, "max_staleness"), $"{Show(stalenessEntry.Value)} is below status_interval {statusText}; a target would go stale between two polls");
                }
                else
                {
                    var statusNode = keys.TryGetValue("status_interval", out var statusEntry) ? statusEntry.Value : anchor;
                    Error(statusNode, Join(path, "max_staleness"), $"the default {Duration.Format(m)} is below status_interval {statusText}; set max_staleness to at least {statusText}");
                }
            }

            if (Errors.Count > before || status is null || alerts is null || statuses is null || pageSize is null || maxPages is null || staleness is null)
            {
                return null;
            }

            return new PollingConfig
            {
                StatusInterval = status.Value,
                AlertsInterval = alerts.Value,
                AlertStatuses = statuses,
                PageSize = pageSize.Value,
                MaxPages = maxPages.Value,
                MaxStaleness = staleness.Value,
            };
        }

        private ValueList<string>? ReadAlertStatuses(YamlNode node, string path)
        {
            var items = ReadStringList(node, path);
            if (items is null)
            {
                return null;
            }

            if (items.Count == 0)
            {
                Error(node, path, "the list is empty; poll at least one of open, investigating, resolved, dismissed");
                return null;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var ok = true;
            for (var i = 0; i < items.Count; i++)
            {
                var (value, itemNode) = items[i];
                var itemPath = Index(path, i);
                if (!ConfigLimits.KnownAlertStatuses.Contains(value, StringComparer.Ordinal))
                {
                    Error(itemNode, itemPath, $"{Show(itemNode)} is not an alert status; expected one of {string.Join(", ", ConfigLimits.KnownAlertStatuses)}{DidYouMean(value, ConfigLimits.KnownAlertStatuses)}");
                    ok = false;
                }
                else if (!seen.Add(value))
                {
                    Error(itemNode, itemPath, $"{value} is listed twice");
                    ok = false;
                }
            }

            return ok ? new ValueList<string>(items.Select(item => item.Value)) : null;
        }

        private WebhookConfig? ReadWebhook(YamlNode? node, YamlNode targetNode, string path, string targetName, int index, Dictionary<string, int> webhookPaths)
        {
            var defaultPath = WebhookConfig.DefaultPathFor(targetName);
            if (node is null || IsNull(node))
            {
                Claim(webhookPaths, defaultPath, index, node ?? targetNode, Join(path, "path"));
                return WebhookConfig.DisabledFor(targetName);
            }

            if (!AsMapping(node, path, out var mapping))
            {
                return null;
            }

            var before = Errors.Count;
            var keys = ReadKeys(mapping, path, WebhookKeys);
            var enabled = keys.TryGetValue("enabled", out var enabledEntry) ? ReadBool(enabledEntry.Value, Join(path, "enabled")) : false;

            var webhookPath = defaultPath;
            if (keys.TryGetValue("path", out var pathEntry))
            {
                webhookPath = ReadWebhookPath(pathEntry.Value, Join(path, "path"));
            }

            if (webhookPath is not null)
            {
                Claim(webhookPaths, webhookPath, index, pathEntry?.Value ?? mapping, Join(path, "path"));
            }

            var secretFiles = new List<string>();
            var secretsPath = Join(path, "secret_files");
            var beforeSecrets = Errors.Count;
            if (keys.TryGetValue("secret_files", out var secretsEntry))
            {
                var items = ReadStringList(secretsEntry.Value, secretsPath);
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; items is not null && i < items.Count; i++)
                {
                    var resolved = ReadPath(items[i].Node, Index(secretsPath, i));
                    if (resolved is not null && !seen.Add(resolved))
                    {
                        Error(items[i].Node, Index(secretsPath, i), $"{Show(items[i].Node)} is listed twice");
                    }
                    else if (resolved is not null)
                    {
                        secretFiles.Add(resolved);
                    }
                }
            }

            // When the list itself was wrong, that error already says what to fix.
            if (enabled == true && secretFiles.Count == 0 && Errors.Count == beforeSecrets)
            {
                var at = secretsEntry?.Value ?? (YamlNode)mapping;
                Error(at, secretsPath, "an enabled webhook needs at least one secret file: unsigned events are never accepted");
            }

            var maxBody = ReadBoundedInteger(keys, path, "max_body_bytes", WebhookConfig.DefaultMaxBodyBytes, ConfigLimits.MinWebhookBodyBytes, ConfigLimits.MaxWebhookBodyBytes);
            var dedupe = ReadBoundedDuration(keys, path, "dedupe_window", WebhookConfig.DefaultDedupeWindow, ConfigLimits.MinDedupeWindow, ConfigLimits.MaxDedupeWindow);

            if (Errors.Count > before || enabled is null || webhookPath is null || maxBody is null || dedupe is null)
            {
                return null;
            }

            return new WebhookConfig
            {
                Enabled = enabled.Value,
                Path = webhookPath,
                SecretFiles = new ValueList<string>(secretFiles),
                MaxBodyBytes = maxBody.Value,
                DedupeWindow = dedupe.Value,
            };
        }

        private string? ReadWebhookPath(YamlNode node, string path)
        {
            var text = ReadString(node, path);
            if (text is null)
            {
                return null;
            }

            if (!text.StartsWith('/'))
            {
                Error(node, path, $"{Show(node)} must start with /");
                return null;
            }

            if (text.Length > 1 && text.EndsWith('/'))
            {
                Error(node, path, $"{Show(node)} must not end with /");
                return null;
            }

            if (text.Contains("//", StringComparison.Ordinal) || !text.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '_' or '.' or '~'))
            {
                Error(node, path, $"{Show(node)} may only contain letters, digits and / - _ . ~ (no query, no empty segment)");
                return null;
            }

            if (ConfigLimits.ReservedPaths.Contains(text, StringComparer.OrdinalIgnoreCase)
                || text.StartsWith(ConfigLimits.ReservedPathPrefix, StringComparison.OrdinalIgnoreCase))
            {
                Error(node, path, $"{text} is served by the exporter itself ({string.Join(", ", ConfigLimits.ReservedPaths)} and {ConfigLimits.ReservedPathPrefix}*); choose e.g. /webhooks/<name>");
                return null;
            }

            return text;
        }

        /// <summary>Routing ignores case, so two targets' webhook paths must differ by more than case.</summary>
        private void Claim(Dictionary<string, int> webhookPaths, string webhookPath, int index, YamlNode node, string path)
        {
            if (webhookPaths.TryGetValue(webhookPath, out var first))
            {
                Error(node, path, $"{webhookPath} is already the webhook path of targets[{first.ToString(CultureInfo.InvariantCulture)}]; paths must be unique (compared ignoring case)");
                return;
            }

            webhookPaths[webhookPath] = index;
        }

        private int? ReadBoundedInteger(Dictionary<string, Entry> keys, string path, string key, int defaultValue, int min, int max)
        {
            if (!keys.TryGetValue(key, out var entry))
            {
                return defaultValue;
            }

            var keyPath = Join(path, key);
            var value = ReadInteger(entry.Value, keyPath);
            if (value is null)
            {
                return null;
            }

            if (value < min)
            {
                Error(entry.Value, keyPath, $"{Show(entry.Value)} is below the minimum {min.ToString(CultureInfo.InvariantCulture)}");
                return null;
            }

            if (value > max)
            {
                Error(entry.Value, keyPath, $"{Show(entry.Value)} is above the maximum {max.ToString(CultureInfo.InvariantCulture)}");
                return null;
            }

            return (int)value.Value;
        }

        private TimeSpan? ReadBoundedDuration(Dictionary<string, Entry> keys, string path, string key, TimeSpan defaultValue, TimeSpan min, TimeSpan max)
        {
            if (!keys.TryGetValue(key, out var entry))
            {
                return defaultValue;
            }

            var keyPath = Join(path, key);
            var text = ReadString(entry.Value, keyPath);
            if (text is null)
            {
                return null;
            }

            if (!Duration.TryParse(text, out var value, out var error))
            {
                Error(entry.Value, keyPath, $"{Show(entry.Value)} is not a duration ({error}); write e.g. 15s, 1m30s, 500ms, 2h or 1d");
                return null;
            }

            if (value < min)
            {
                Error(entry.Value, keyPath, $"{Show(entry.Value)} is below the minimum {Duration.Format(min)}");
                return null;
            }

            if (value > max)
            {
                Error(entry.Value, keyPath, $"{Show(entry.Value)} is above the maximum {Duration.Format(max)}");
                return null;
            }

            return value;
        }

        private static bool IsEnvironmentName(string name) =>
            name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

        private static bool IsLoopbackHost(Uri uri)
        {
            if (uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address)
                && (address.Equals(IPAddress.Loopback) || address.Equals(IPAddress.IPv6Loopback));
        }

        /// <summary>A URL for an error message with anything that may be a credential replaced by ***.</summary>
        private static string ShowUrl(string text, Uri? uri)
        {
            if (LooksLikeApiKey(text))
            {
                return "the value (not shown: it looks like an API key)";
            }

            if (uri is null)
            {
                return text.Contains('@', StringComparison.Ordinal) || text.Contains('?', StringComparison.Ordinal)
                    ? "the value (not shown: it contains @ or ?)"
                    : text.Length > 80 ? string.Concat(text.AsSpan(0, 80), "…") : text;
            }

            var builder = new StringBuilder().Append(uri.Scheme).Append("://");
            if (uri.UserInfo.Length > 0)
            {
                builder.Append("***@");
            }

            builder.Append(uri.Authority).Append(uri.AbsolutePath);
            if (text.Contains('?', StringComparison.Ordinal))
            {
                builder.Append("?***");
            }

            if (text.Contains('#', StringComparison.Ordinal))
            {
                builder.Append("#***");
            }

            return builder.ToString();
        }
    }

    /// <summary>Remembers where the parser was, to locate the representation model's unlocated exceptions.</summary>
    private sealed class TrackingParser(IParser inner) : IParser
    {
        public Mark Last { get; private set; } = Mark.Empty;

        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            var moved = inner.MoveNext();
            if (inner.Current is { } current)
            {
                Last = current.Start;
            }

            return moved;
        }
    }
}
