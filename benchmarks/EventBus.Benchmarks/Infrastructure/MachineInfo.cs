using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EventBus.Benchmarks.Infrastructure;

/// <summary>What a harness report records about where it ran: enough to tell two runs' machines and commits apart.</summary>
public sealed record MachineInfo(string Os, string Cpu, int LogicalCores, string Runtime, string Commit, bool DirtyTree, string GcMode)
{
    public static MachineInfo Capture()
    {
        var root = RepositoryRoot();
        var commit = Git(root, "rev-parse --short=10 HEAD") ?? "unknown";
        var dirty = !string.IsNullOrWhiteSpace(Git(root, "status --porcelain --untracked-files=no"));
        var gc = System.Runtime.GCSettings.IsServerGC ? "server" : "workstation";
        gc += System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch ? ", non-concurrent" : ", concurrent";
        return new MachineInfo(RuntimeInformation.OSDescription, CpuModel(), Environment.ProcessorCount,
            $"{RuntimeInformation.FrameworkDescription} {RuntimeInformation.ProcessArchitecture}", commit, dirty, gc);
    }

    public override string ToString() =>
        $"{Cpu}, {LogicalCores} logical cores; {Os}; {Runtime}; GC {GcMode}; commit {Commit}{(DirtyTree ? " (with uncommitted changes)" : "")}";

    /// <summary>The folder holding EventBus.sln above the running program, or the current directory.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EventBus.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    private static string CpuModel()
    {
        const string CpuInfo = "/proc/cpuinfo";
        if (File.Exists(CpuInfo))
        {
            var line = File.ReadLines(CpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null)
            {
                return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
            }
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string? Git(string root, string arguments)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", arguments)
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (git is null)
            {
                return null;
            }

            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
