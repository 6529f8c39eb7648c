using EventBus.Samples.Infrastructure;
using EventBus.Tests.TestUtilities;
using Spectre.Console.Testing;

namespace EventBus.Samples.Tests;

public sealed class SceneRunnerTests
{
    [Theory]
    [InlineData("list")]
    [InlineData("--help")]
    public async Task List_names_every_scene_with_its_summary(string argument)
    {
        using var console = new TestConsole().Width(200);
        var exitCode = await new SceneRunner(console, SceneCatalog.All, ScenePace.Instant).RunAsync([argument]);

        exitCode.Should().Be(0);
        foreach (var scene in SceneCatalog.All)
        {
            console.Output.Should().Contain(scene.Name).And.Contain(scene.Summary);
        }
    }

    [Fact]
    public void Every_scene_has_a_unique_name_a_summary_and_a_two_line_concept()
    {
        SceneCatalog.All.Select(s => s.Name).Should().OnlyHaveUniqueItems();
        SceneCatalog.All.Should().OnlyContain(s => s.Summary.Length > 0 && s.Title.Length > 0 && s.Concept.Count == 2);
    }

    [Fact]
    public void Every_concept_line_fits_the_width_of_redirected_output()
    {
        // Printed with a two-space indent; a line that wraps in a file reads badly.
        SceneCatalog.All.SelectMany(s => s.Concept).Should().OnlyContain(line => line.Length <= SceneConsole.PlainWidth - 2);
    }

    [Fact]
    public void Every_summary_fits_on_one_line_of_the_list()
    {
        // The list's other columns and borders take about 30 columns.
        SceneCatalog.All.Should().OnlyContain(s => s.Summary.Length <= SceneConsole.PlainWidth - 30);
    }

    [Fact]
    public async Task An_unknown_scene_prints_the_list_and_fails()
    {
        using var console = new TestConsole().Width(200);
        var exitCode = await new SceneRunner(console, SceneCatalog.All, ScenePace.Instant).RunAsync(["no-such-scene"]);

        exitCode.Should().NotBe(0);
        console.Output.Should().Contain("Unknown scene").And.Contain(SceneCatalog.All[0].Name);
    }

    [Fact]
    public async Task A_named_scene_runs_alone()
    {
        using var console = new TestConsole().Width(120);
        var scene = SceneCatalog.All[^1];
        var runner = new SceneRunner(console, SceneCatalog.All, ScenePace.Instant);

        var exitCode = await Wait.For(runner.RunAsync([scene.Name]), "one scene");

        exitCode.Should().Be(0);
        runner.Results.Should().ContainSingle();
        console.Output.Should().Contain(scene.Title);
        console.Output.Should().NotContain(SceneCatalog.All[0].Title);
    }

    [Fact]
    public async Task A_full_run_on_redirected_output_is_plain_text_and_ends_with_the_limits_of_one_process()
    {
        using var writer = new StringWriter();
        var console = SceneConsole.Create(writer, plain: true);
        var runner = new SceneRunner(console, SceneCatalog.All, ScenePace.Instant);

        var exitCode = await Wait.For(runner.RunAsync([]), "every scene");

        exitCode.Should().Be(0);
        runner.Results.Should().HaveCount(SceneCatalog.All.Count);
        var output = writer.ToString();
        output.Should().NotContain("\u001b", "a file must not receive escape codes");
        output.Should().Contain("No network").And.Contain("No persistence").And.Contain("No cross-process delivery").And.Contain("RabbitMQ");
        foreach (var scene in SceneCatalog.All)
        {
            output.Should().Contain(scene.Title);
        }
    }
}
