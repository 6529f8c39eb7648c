using System.Globalization;

namespace EventBus.Benchmarks.Infrastructure;

/// <summary>
/// The options of a harness mode (<c>--name value</c> pairs and bare <c>--flag</c>s). Unknown
/// options and malformed values throw <see cref="OptionException"/> naming the option, so a typo
/// never silently runs the defaults.
/// </summary>
public sealed class OptionReader
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    private OptionReader()
    {
    }

    /// <param name="args">Arguments after the mode flag.</param>
    /// <param name="valued">Options that take a value.</param>
    /// <param name="flags">Options that take none.</param>
    public static OptionReader Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> valued, IReadOnlyCollection<string> flags)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(valued);
        ArgumentNullException.ThrowIfNull(flags);
        var line = new OptionReader();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (flags.Contains(name))
            {
                line._values[name] = null;
            }
            else if (valued.Contains(name))
            {
                if (i + 1 >= args.Count)
                {
                    throw new OptionException($"Option {name} needs a value.");
                }

                line._values[name] = args[++i];
            }
            else
            {
                throw new OptionException($"Unknown option '{name}'.");
            }
        }

        return line;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string Text(string name, string fallback) => _values.TryGetValue(name, out var value) && value is not null ? value : fallback;

    public int Whole(string name, int fallback, int min, int max = int.MaxValue) =>
        _values.TryGetValue(name, out var value) && value is not null ? ParseWhole(name, value, min, max) : fallback;

    public double Number(string name, double fallback, double min)
    {
        if (!_values.TryGetValue(name, out var value) || value is null)
        {
            return fallback;
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !(number >= min))
        {
            throw new OptionException($"Option {name} needs a number >= {min.ToString(CultureInfo.InvariantCulture)}, got '{value}'.");
        }

        return number;
    }

    /// <summary>A comma-separated list of integers, e.g. <c>--fan-out 1,4,16,64</c>.</summary>
    public int[] Wholes(string name, int[] fallback, int min, int max = int.MaxValue)
    {
        if (!_values.TryGetValue(name, out var value) || value is null)
        {
            return fallback;
        }

        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new OptionException($"Option {name} needs at least one value.");
        }

        return [.. parts.Select(p => ParseWhole(name, p, min, max)).Distinct()];
    }

    private static int ParseWhole(string name, string value, int min, int max)
    {
        if (!int.TryParse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ||
            number < min || number > max)
        {
            throw new OptionException($"Option {name} needs an integer from {min} to {max}, got '{value}'.");
        }

        return number;
    }
}
