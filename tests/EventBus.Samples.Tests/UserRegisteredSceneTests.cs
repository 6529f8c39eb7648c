using EventBus.Samples.Scenes.UserRegistration;

namespace EventBus.Samples.Tests;

public sealed class UserRegisteredSceneTests
{
    [Fact]
    public async Task Every_consumer_receives_every_user_once()
    {
        var (result, _) = await SceneHarness.RunAsync(new UserRegisteredScene());

        result.Published.Select(u => u.UserId).Should().Equal("u-1001", "u-1002");
        result.Consumers.Should().Equal(WelcomeEmailService.Name, SignupAnalyticsService.Name, AdminNotificationService.Name);
        foreach (var consumer in result.Consumers)
        {
            result.Receptions.Where(r => r.Consumer == consumer).Select(r => r.UserId)
                .Should().BeEquivalentTo(["u-1001", "u-1002"], "{0} subscribed to the topic", consumer);
        }

        result.Receptions.Should().HaveCount(6);
        result.Bus.Drain.Delivered.Should().Be(6);
        result.Bus.Drain.Completed.Should().BeTrue();
    }

    [Fact]
    public async Task The_copies_of_one_event_share_its_id_timestamp_and_topic()
    {
        var (result, output) = await SceneHarness.RunAsync(new UserRegisteredScene());

        foreach (var copies in result.Receptions.GroupBy(r => r.UserId))
        {
            copies.Select(c => c.EventId).Distinct().Should().ContainSingle();
            copies.Select(c => c.Timestamp).Distinct().Should().ContainSingle();
            copies.Should().OnlyContain(c => c.Topic == RegistrationService.Topic);
        }

        result.Receptions.Select(r => r.EventId).Distinct().Should().HaveCount(2, "two users, two events");
        output.Should().Contain(result.Receptions[0].EventId.ToString());
    }

    [Fact]
    public async Task Each_consumer_does_its_own_job()
    {
        var (result, output) = await SceneHarness.RunAsync(new UserRegisteredScene());

        result.Receptions.Should().Contain(r => r.Consumer == WelcomeEmailService.Name && r.Action.Contains("ada@example.com"));
        result.Receptions.Should().Contain(r => r.Consumer == SignupAnalyticsService.Name && r.Action.Contains("signup #2"));
        result.Receptions.Should().Contain(r => r.Consumer == AdminNotificationService.Name && r.Action.Contains("grace joined"));
        output.Should().Contain("Knowledge check").And.Contain("decoupling");
    }
}
