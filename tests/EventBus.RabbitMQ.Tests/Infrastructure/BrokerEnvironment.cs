using System.Diagnostics;
using System.Globalization;

namespace EventBus.RabbitMQ.Tests.Infrastructure;

/// <summary>The test broker's connection settings, as written by <c>scripts/rabbitmq.sh start</c>: the run-time user the
/// bridge runs as, the deploy-time user that declares (and deletes) the tests' exchanges and queues, and the TLS
/// listener with the certificates the script made.</summary>
public sealed record BrokerSettings(
    string Host,
    int Port,
    int? TlsPort,
    string? TlsDirectory,
    string VirtualHost,
    string User,
    string Password,
    string DeployUser,
    string DeployPassword)
{
    /// <summary>Puts these settings, with the run-time user, into bridge options.</summary>
    public void ApplyTo(RabbitMQConnectionOptions connection)
    {
        connection.HostName = Host;
        connection.Port = Port;
        connection.VirtualHost = VirtualHost;
        connection.UserName = User;
        connection.Password = Password;
    }

    /// <summary>Switches bridge options to the deploy-time user.</summary>
    public void ApplyDeployUserTo(RabbitMQConnectionOptions connection)
    {
        connection.UserName = DeployUser;
        connection.Password = DeployPassword;
    }

    /// <summary>The AMQPS port; fails with what to do when the node has no TLS listener.</summary>
    public int RequireTlsPort() => TlsPort ?? throw NoTls();

    /// <summary>A file the script made in the TLS folder (<c>ca.pem</c>, <c>client.pem</c>...).</summary>
    public string TlsFile(string name) => Path.Combine(TlsDirectory ?? throw NoTls(), name);

    private static InvalidOperationException NoTls() => new(
        "The test broker has no TLS listener: scripts/rabbitmq.sh makes its certificates with openssl, which is not installed. " +
        "Run scripts/rabbitmq.sh install (it installs openssl), then scripts/rabbitmq.sh stop && scripts/rabbitmq.sh start.");

    /// <summary>Never print the passwords, even in a test failure.</summary>
    public override string ToString() => $"amqp://{User}:***@{Host}:{Port}/{VirtualHost} (deploy user {DeployUser}, TLS on {TlsPort})";
}

/// <summary>Finds the test broker (scripts/rabbitmq.sh) and drives it.</summary>
public static class BrokerEnvironment
{
    /// <summary>The repository root: the folder holding EventBus.sln, above the test's output folder.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Where the connection file is: EVENTBUS_RABBITMQ_ENV_FILE, else the state folder's connection.env.</summary>
    public static string EnvFilePath =>
        Environment.GetEnvironmentVariable("EVENTBUS_RABBITMQ_ENV_FILE")
        ?? Path.Combine(Environment.GetEnvironmentVariable("EVENTBUS_RABBITMQ_DIR") ?? Path.Combine(RepositoryRoot, ".rabbitmq"), "connection.env");

    /// <summary>Reads a connection file. A missing file fails the test with what to do about it: these tests
    /// never skip silently.</summary>
    public static BrokerSettings Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The RabbitMQ bridge tests need the test broker, but its connection file {path} does not exist. " +
                "Run the tests with ./scripts/test.sh (it installs and starts the broker), or run " +
                "scripts/rabbitmq.sh install && scripts/rabbitmq.sh start first.");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(path))
        {
            var parts = line.Split('=', 2);
            if (parts.Length == 2)
            {
                values[parts[0].Trim()] = parts[1].Trim();
            }
        }

        string Get(string key) => values.TryGetValue(key, out var value) && value.Length > 0
            ? value
            : throw new InvalidOperationException($"The connection file {path} has no {key}; run scripts/rabbitmq.sh start to rewrite it.");

        // Empty when the node has no TLS listener (no openssl); present, perhaps empty, since the script writes it.
        string? Optional(string key) => values.TryGetValue(key, out var value)
            ? value.Length > 0 ? value : null
            : throw new InvalidOperationException($"The connection file {path} has no {key}; run scripts/rabbitmq.sh start to rewrite it.");

        return new BrokerSettings(
            Get("EVENTBUS_RABBITMQ_HOST"),
            int.Parse(Get("EVENTBUS_RABBITMQ_PORT"), CultureInfo.InvariantCulture),
            Optional("EVENTBUS_RABBITMQ_TLS_PORT") is { } tlsPort ? int.Parse(tlsPort, CultureInfo.InvariantCulture) : null,
            Optional("EVENTBUS_RABBITMQ_TLS_DIR"),
            Get("EVENTBUS_RABBITMQ_VHOST"),
            Get("EVENTBUS_RABBITMQ_USER"),
            Get("EVENTBUS_RABBITMQ_PASSWORD"),
            Get("EVENTBUS_RABBITMQ_DEPLOY_USER"),
            Get("EVENTBUS_RABBITMQ_DEPLOY_PASSWORD"));
    }

    /// <summary>Runs <c>scripts/rabbitmq.sh {command}</c> and fails with its output if it fails.</summary>
    public static async Task RunScriptAsync(string command, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot, "scripts", "rabbitmq.sh"), command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start bash.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"scripts/rabbitmq.sh {command} did not finish within {timeout.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/rabbitmq.sh {command} exited with {process.ExitCode}: {await stdout}{await stderr}");
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EventBus.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No EventBus.sln above {AppContext.BaseDirectory}.");
    }
}
