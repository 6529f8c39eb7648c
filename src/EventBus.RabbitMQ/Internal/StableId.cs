using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace EventBus.RabbitMQ.Internal;

/// <summary>
/// The idempotency key of a message: the sender's id when it is a GUID, else a name-based UUID (RFC 9562
/// version 5) of it, so that every delivery of the same message, on every instance, has the same key.
/// </summary>
internal static class StableId
{
    /// <summary>The namespace of the bridge's name-based ids. Fixed forever: changing it changes every key.</summary>
    internal static readonly Guid Namespace = new("5e0b7f3c-2f43-4c55-9a31-1f6c8b0d4e27");

    internal static Guid For(string id) => Guid.TryParse(id, out var guid) ? guid : NameBased(Namespace, id);

    /// <summary>RFC 9562 section 5.5: SHA-1 over the namespace and the name, version and variant bits set.</summary>
    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "RFC 9562 defines version 5 UUIDs with SHA-1; the id is a key, not a secret or a signature, and other systems can compute the same one.")]
    internal static Guid NameBased(Guid @namespace, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];
        @namespace.TryWriteBytes(input, bigEndian: true, out _);
        nameBytes.CopyTo(input, 16);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
