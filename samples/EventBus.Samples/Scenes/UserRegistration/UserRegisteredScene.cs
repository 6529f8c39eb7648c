using EventBus.Samples.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace EventBus.Samples.Scenes.UserRegistration;

/// <summary>
/// Tier 1 in one scene: what an event is, who produces and consumes it, what the broker and the
/// topic are, and what "each consumer on its own" means.
/// </summary>
internal sealed class UserRegisteredScene : Scene<UserRegisteredResult>
{
    private static readonly string[] s_consumers =
        [WelcomeEmailService.Name, SignupAnalyticsService.Name, AdminNotificationService.Name];

    public override string Name => "user-registered";

    public override string Title => "pub/sub basics: one event, three independent consumers";

    public override string Summary => "pub/sub basics: one UserRegistered event reaches email, analytics, notifications";

    public override IReadOnlyList<string> Concept =>
    [
        "An event records that something happened. A producer publishes it to a topic on a broker and calls no one.",
        "Every consumer subscribed to the topic gets its own copy and handles it alone, unaware of the others.",
    ];

    public override async Task<UserRegisteredResult> RunAsync(SceneContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var console = context.Console;

        console.Heading("The vocabulary, and who plays each part here");
        console.Write(Ui.Table("term", "meaning", "in this scene")
            .AddPlainRow("event", "a fact about the past, immutable, named in the past tense", "UserRegistered(UserId, UserName, Email)")
            .AddPlainRow("producer", "the code that publishes the event", nameof(RegistrationService))
            .AddPlainRow("broker", "routes each event to whoever subscribed", "the in-process EventBus (IEventBus)")
            .AddPlainRow("topic", "a named stream that consumers subscribe to", RegistrationService.Topic)
            .AddPlainRow("consumer", "a subscriber that reacts to the event", string.Join(", ", s_consumers)));

        var log = new ReceptionLog();
        await using var host = await SceneHost.StartAsync(services =>
        {
            services.AddSingleton(log);
            services.AddSingleton<SignupCounter>();
            services.AddSingleton<RegistrationService>();

            // Three handler classes, each its own subscription on the topic: the producer knows none of them.
            services.AddEventBus()
                .AddHandler<UserRegistered, WelcomeEmailService>(static o => Subscribe(o, WelcomeEmailService.Name))
                .AddHandler<UserRegistered, SignupAnalyticsService>(static o => Subscribe(o, SignupAnalyticsService.Name))
                .AddHandler<UserRegistered, AdminNotificationService>(static o => Subscribe(o, AdminNotificationService.Name));
        }, cancellationToken);

        console.WriteLine();
        console.Say($"Two people sign up. {nameof(RegistrationService)} publishes one {nameof(UserRegistered)} event for each on '{RegistrationService.Topic}'.");
        var registration = host.Services.GetRequiredService<RegistrationService>();
        List<UserRegistered> published =
        [
            await registration.RegisterAsync("u-1001", "ada", "ada@example.com", cancellationToken),
            await registration.RegisterAsync("u-1002", "grace", "grace@example.com", cancellationToken),
        ];

        // Stopping the host drains the bus: every accepted event reaches every handler first.
        var report = await host.StopAsync(cancellationToken);
        var receptions = log.Receptions;

        console.Heading("The events, as the consumers received them");
        var events = Ui.Table("event", "event id", "timestamp", "topic", "seen by");
        foreach (var user in published)
        {
            var copies = receptions.Where(r => r.UserId == user.UserId).ToList();
            var first = copies.OrderBy(r => r.Timestamp).FirstOrDefault();
            events.AddPlainRow(
                $"{nameof(UserRegistered)} {user.UserId}",
                first?.EventId.ToString() ?? "-",
                first is null ? "-" : Ui.Time(first.Timestamp),
                first?.Topic ?? "-",
                $"{copies.Count} consumers, {copies.Select(c => c.EventId).Distinct().Count()} id");
        }

        events.Columns[1].NoWrap();
        console.Write(events);
        console.Note("all consumers see the same id and timestamp: one event, several copies of the same fact. Later scenes show ids by their last 8 digits.");

        console.Heading("Who did what");
        var table = Ui.Table("consumer", "user", "event id", "what it did");
        foreach (var reception in receptions.OrderBy(r => Array.IndexOf(s_consumers, r.Consumer)).ThenBy(r => r.UserId, StringComparer.Ordinal))
        {
            table.AddPlainRow(reception.Consumer, reception.UserId, Ui.ShortId(reception.EventId), reception.Action);
        }

        console.Write(table);
        console.Say($"Bus: {report.Drain}.");

        console.KnowledgeCheck(
            "Did the registration code call the email service, or even know it exists?",
            "No. It published one fact to a topic, and the broker handed each subscriber its own copy. That is decoupling: " +
            "a fourth consumer (say, a CRM sync) is one more AddHandler line, and the producer does not change.");

        return new UserRegisteredResult(published, receptions, s_consumers, report);
    }

    private static void Subscribe(SubscriptionOptions options, string name)
    {
        options.Name = name;
        options.Topic = RegistrationService.Topic;
    }
}
