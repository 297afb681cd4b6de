using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace CyberVault.Exporter.Configuration;

/// <summary>
/// Finds every duplicate mapping key, with its key path, before the representation model is built:
/// <see cref="YamlDotNet.RepresentationModel.YamlStream"/> stops at the first duplicate and cannot name its path.
/// Syntax errors surface here too, as the parser's <see cref="YamlException"/>.
/// </summary>
internal static class YamlDuplicateKeys
{
    public static IReadOnlyList<ConfigError> Find(string yaml, string source)
    {
        var errors = new List<ConfigError>();
        var parser = new Parser(new StringReader(yaml));
        var stack = new Stack<Frame>();
        var last = Mark.Empty;
        while (MoveNext(parser, last))
        {
            last = parser.Current!.End;
            switch (parser.Current)
            {
                case MappingStart:
                    stack.Push(new Frame(isMapping: true, ChildPath(stack)));
                    break;
                case SequenceStart:
                    stack.Push(new Frame(isMapping: false, ChildPath(stack)));
                    break;
                case MappingEnd or SequenceEnd:
                    stack.Pop();
                    NodeDone(stack);
                    break;
                case Scalar scalar when stack.TryPeek(out var top) && top.IsMapping && top.ExpectingKey:
                    if (top.FirstLines.TryGetValue(scalar.Value, out var firstLine))
                    {
                        errors.Add(new ConfigError(
                            source,
                            ConfigLoader.ToInt(scalar.Start.Line),
                            ConfigLoader.ToInt(scalar.Start.Column),
                            ConfigLoader.Join(top.Path, scalar.Value),
                            $"duplicate key (first given on line {firstLine})"));
                    }
                    else
                    {
                        top.FirstLines[scalar.Value] = ConfigLoader.ToInt(scalar.Start.Line);
                    }

                    top.CurrentKey = scalar.Value;
                    top.ExpectingKey = false;
                    break;
                case Scalar or AnchorAlias:
                    NodeDone(stack);
                    break;
                default:
                    break;
            }
        }

        return errors;
    }

    /// <summary>
    /// YamlDotNet's scanner throws plain exceptions on some malformed input (e.g. an unclosed flow list
    /// spanning lines); those become a located <see cref="YamlException"/> like every other syntax error.
    /// </summary>
    private static bool MoveNext(Parser parser, Mark last)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException or OverflowException)
        {
            throw new YamlException(last, last, "the document cannot be parsed after this point (an unclosed [, {, or quote?)", e);
        }
    }

    private static string ChildPath(Stack<Frame> stack)
    {
        if (!stack.TryPeek(out var top))
        {
            return "";
        }

        return top.IsMapping
            ? ConfigLoader.Join(top.Path, top.ExpectingKey ? "?" : top.CurrentKey)
            : ConfigLoader.Index(top.Path, top.Index);
    }

    /// <summary>A complete node (scalar, alias, mapping or sequence) ended inside the top frame.</summary>
    private static void NodeDone(Stack<Frame> stack)
    {
        if (!stack.TryPeek(out var top))
        {
            return;
        }

        if (!top.IsMapping)
        {
            top.Index++;
        }
        else if (top.ExpectingKey)
        {
            // A complex (non-scalar) key or an alias used as a key: the loader rejects it later.
            top.CurrentKey = "?";
            top.ExpectingKey = false;
        }
        else
        {
            top.ExpectingKey = true;
        }
    }

    private sealed class Frame(bool isMapping, string path)
    {
        public bool IsMapping { get; } = isMapping;

        public string Path { get; } = path;

        public bool ExpectingKey { get; set; } = true;

        public string CurrentKey { get; set; } = "";

        public int Index { get; set; }

        public Dictionary<string, int> FirstLines { get; } = new(StringComparer.Ordinal);
    }
}
