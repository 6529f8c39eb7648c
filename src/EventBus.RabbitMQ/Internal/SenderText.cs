using System.Globalization;
using System.Text;

namespace EventBus.RabbitMQ.Internal;

/// <summary>
/// Strings a sender controls (message ids, type names, header values, exception text about a body) on their
/// way into logs, dead-letter headers and span tags: control characters are escaped, so a sender cannot start
/// a forged log line, and the length is capped, so a sender cannot flood one.
/// </summary>
internal static class SenderText
{
    /// <summary>The longest sender-controlled value written to a log line or a span tag.</summary>
    internal const int LogLimit = 200;

    /// <summary>The longest description written to a dead-letter header.</summary>
    internal const int HeaderLimit = 1000;

    /// <summary>True for characters that break a line or are invisible control codes: C0, DEL, C1, and the
    /// Unicode line and paragraph separators (some log viewers break lines on those).</summary>
    internal static bool IsControl(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';

    internal static bool HasControl(string value) => value.AsSpan().IndexOfAnyInRange('\0', '\u001f') >= 0 || HasRareControl(value);

    /// <summary>Escapes control characters (<c>\n</c>, <c>\r</c>, <c>\t</c>, else <c>\uXXXX</c>) and cuts the
    /// result at <paramref name="limit"/> characters, saying how many were left out.</summary>
    internal static string Escape(string? value, int limit = LogLimit)
    {
        if (value is null)
        {
            return string.Empty;
        }

        if (value.Length <= limit && !HasControl(value))
        {
            return value;
        }

        var builder = new StringBuilder(Math.Min(value.Length, limit) + 24);
        var i = 0;
        for (; i < value.Length && builder.Length < limit; i++)
        {
            var c = value[i];
            if (!IsControl(c))
            {
                builder.Append(c);
                continue;
            }

            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
            });
        }

        if (i < value.Length)
        {
            builder.Append(CultureInfo.InvariantCulture, $"...({value.Length - i} more)");
        }

        return builder.ToString();
    }

    private static bool HasRareControl(string value)
    {
        foreach (var c in value)
        {
            if (c >= '\u007f' && IsControl(c))
            {
                return true;
            }
        }

        return false;
    }
}
