using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EventBus.RabbitMQ.Internal;

/// <summary>
/// Decides whether the broker's TLS certificate is acceptable: it must carry the expected name, be within its
/// validity period, and chain to a trusted authority (the system's, or the configured ones) or match a pin.
/// Nothing can switch a check off. A refusal is remembered in words, so that the failed connection can say
/// which check failed (the TLS stack itself only says that the callback refused).
/// </summary>
internal sealed class BrokerCertificateValidator(RabbitMQConnectionOptions options, string serverName)
{
    private string? _lastRefusal;

    /// <summary>Why the last certificate was refused, or <see langword="null"/>.</summary>
    internal string? LastRefusal => Volatile.Read(ref _lastRefusal);

    /// <summary>Called with each refusal (for the log), from the TLS handshake.</summary>
    internal Action<string>? Refused { get; init; }

    /// <summary>The body of the <see cref="RemoteCertificateValidationCallback"/>.</summary>
    internal bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var problems = Check(certificate, chain, errors);
        if (problems.Count == 0)
        {
            return true;
        }

        var refusal = $"the broker's certificate was refused: {string.Join("; ", problems)}";
        Volatile.Write(ref _lastRefusal, refusal);
        Refused?.Invoke(refusal);
        return false;
    }

    private List<string> Check(X509Certificate? presented, X509Chain? sent, SslPolicyErrors errors)
    {
        var problems = new List<string>();
        if (presented is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            problems.Add("the broker presented no certificate");
            return problems;
        }

        using var owned = presented is X509Certificate2 ? null : X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        var certificate = owned ?? (X509Certificate2)presented;
        var subject = Describe(certificate);

        // The TLS stack matched the name (DNS or IP subject alternative names) against what it sent as SNI.
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            problems.Add($"it is not for '{serverName}' (TlsServerName, else the host name): {subject} carries {Names(certificate)}");
        }

        var now = DateTime.UtcNow;
        var outOfDate = true;
        if (now > certificate.NotAfter.ToUniversalTime())
        {
            problems.Add($"it expired on {certificate.NotAfter.ToUniversalTime():u} ({subject})");
        }
        else if (now < certificate.NotBefore.ToUniversalTime())
        {
            problems.Add($"it is not valid before {certificate.NotBefore.ToUniversalTime():u} ({subject})");
        }
        else
        {
            outOfDate = false;
        }

        if (options.TlsCertificatePins is { Count: > 0 } pins)
        {
            var fingerprint = Convert.ToHexString(SHA256.HashData(certificate.RawData));
            if (!pins.Contains(fingerprint, StringComparer.Ordinal))
            {
                problems.Add($"its SHA-256 fingerprint {fingerprint} matches none of TlsCertificatePins ({subject})");
            }

            // A pinned certificate is trusted by the pin; it needs no chain.
            return problems;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (options.TlsCertificateAuthorities.Count > 0)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(options.TlsCertificateAuthorities);
        }

        if (sent is not null)
        {
            // Intermediates the broker sent along.
            foreach (var element in sent.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (!chain.Build(certificate))
        {
            var statuses = new List<string>();
            foreach (var status in chain.ChainStatus)
            {
                // The leaf's own dates were reported above, in words.
                if (status.Status != X509ChainStatusFlags.NoError && !(outOfDate && status.Status == X509ChainStatusFlags.NotTimeValid))
                {
                    statuses.Add(status.Status.ToString());
                }
            }

            if (statuses.Count == 0)
            {
                return problems;
            }

            var trusted = options.TlsCertificateAuthorities.Count > 0
                ? $"the certificate authorities in TlsCertificateAuthorities ({string.Join(", ", options.TlsCertificateAuthorities.Select(static ca => ca.Subject))})"
                : "an authority this system trusts";
            problems.Add($"it does not chain to {trusted}: {subject} is issued by '{certificate.Issuer}' ({string.Join(", ", statuses)})");
        }

        return problems;
    }

    private static string Describe(X509Certificate2 certificate) => $"'{certificate.Subject}'";

    private static string Names(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension names)
            {
                var all = names.EnumerateDnsNames().Concat(names.EnumerateIPAddresses().Select(static ip => ip.ToString())).ToList();
                return all.Count == 0 ? "no DNS or IP names" : string.Create(CultureInfo.InvariantCulture, $"the names {string.Join(", ", all)}");
            }
        }

        return "no subject alternative names";
    }
}
