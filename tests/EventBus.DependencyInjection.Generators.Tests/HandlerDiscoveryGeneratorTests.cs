using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EventBus.DependencyInjection.Generators.Tests;

public sealed class HandlerDiscoveryGeneratorTests
{
    private const string Usings = """
        using System.Threading;
        using System.Threading.Tasks;
        using EventBus;
        using Microsoft.Extensions.DependencyInjection;

        namespace Shop;

        public sealed record OrderPlaced(int Id);
        public sealed record OrderCancelled(int Id);
        public sealed record ChargeCard(int Id);

        """;

    private static string Handler(string declaration, string message = "OrderPlaced", string kind = "IEventHandler") => $$"""
        {{declaration}} : {{kind}}<{{message}}>
        {
            public ValueTask HandleAsync({{message}} message, EventContext context, CancellationToken cancellationToken) => default;
        }
        """;

    private static string Filter(string declaration) => $$"""
        {{declaration}} : IHandlerFilter
        {
            public ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next) => next(context);
        }
        """;

    private static GeneratorRun Run(string code) => GeneratorHarness.Run(Usings + code);

    [Fact]
    public void A_handler_class_is_registered_with_AddHandler_and_the_generated_code_compiles()
    {
        var run = Run(Handler("public sealed class ReserveStock"));

        run.Diagnostics.Should().BeEmpty();
        run.Registrations.Should().Equal("AddHandler<Shop.OrderPlaced, Shop.ReserveStock>(builder);");
        run.CompileErrors.Should().BeEmpty();
        run.Source.Should().Contain("internal static class EventBusGeneratedHandlers")
            .And.Contain("public static global::EventBus.IEventBusBuilder AddEventBusHandlers(this global::EventBus.IEventBusBuilder builder, global::System.Func<global::System.Type, bool>? include = null)");
    }

    [Fact]
    public void A_class_handling_several_types_is_registered_for_each_internal_classes_and_records_included()
    {
        var run = Run("""
            internal sealed record Ledger : IEventHandler<OrderPlaced>, IEventHandler<OrderCancelled>, IWorkItemHandler<ChargeCard>
            {
                public ValueTask HandleAsync(OrderPlaced message, EventContext context, CancellationToken cancellationToken) => default;
                public ValueTask HandleAsync(OrderCancelled message, EventContext context, CancellationToken cancellationToken) => default;
                public ValueTask HandleAsync(ChargeCard message, EventContext context, CancellationToken cancellationToken) => default;
            }
            """);

        run.Diagnostics.Should().BeEmpty();
        run.Registrations.Should().Equal(
            "AddHandler<Shop.OrderCancelled, Shop.Ledger>(builder);",
            "AddHandler<Shop.OrderPlaced, Shop.Ledger>(builder);",
            "AddWorkQueue<Shop.ChargeCard, Shop.Ledger>(builder);");
        run.CompileErrors.Should().BeEmpty();
    }

    [Fact]
    public void Abstract_bases_are_skipped_and_their_concrete_subclasses_registered()
    {
        var run = Run("""
            public abstract class Base<T> : IEventHandler<T>
            {
                public ValueTask HandleAsync(T message, EventContext context, CancellationToken cancellationToken) => default;
            }
            public sealed class Concrete : Base<OrderPlaced>;
            """);

        run.Diagnostics.Should().BeEmpty();
        run.Registrations.Should().Equal("AddHandler<Shop.OrderPlaced, Shop.Concrete>(builder);");
        run.CompileErrors.Should().BeEmpty();
    }

    [Fact]
    public void A_partial_class_is_registered_once()
    {
        var run = Run("""
            public sealed partial class Split : IEventHandler<OrderPlaced>;
            public sealed partial class Split
            {
                public ValueTask HandleAsync(OrderPlaced message, EventContext context, CancellationToken cancellationToken) => default;
            }
            """);

        run.Registrations.Should().Equal("AddHandler<Shop.OrderPlaced, Shop.Split>(builder);");
        run.CompileErrors.Should().BeEmpty();
    }

    [Fact]
    public void Attribute_settings_become_the_options_of_the_registration()
    {
        var run = Run(
            Handler("""[EventBusHandler(Name = "vip \"desk\"", Topic = "vip", Mode = DeliveryMode.Inline, Capacity = 16, FullMode = BufferFullMode.DropOldest, Concurrency = 4, MaxRetries = 0)] public sealed class Vip""")
            + Handler("""[EventBusHandler(Concurrency = 3, Capacity = 8, MaxRetries = 5, FullMode = BufferFullMode.Fail)] public sealed class Cards""", "ChargeCard", "IWorkItemHandler")
            + Handler("""[EventBusHandler(Name = "refunds")] public sealed class Refunds""", "ChargeCard", "IWorkItemHandler"));

        run.Diagnostics.Should().BeEmpty();
        run.Registrations.Should().Equal(
            "AddWorkQueue<Shop.ChargeCard, Shop.Cards>(builder, static o => { o.Capacity = 8; o.FullMode = EventBus.BufferFullMode.Fail; o.WorkerCount = 3; o.RetryPolicy = new EventBus.RetryPolicy { MaxRetries = 5 }; });",
            "AddWorkQueue<Shop.ChargeCard, Shop.Refunds>(builder, \"refunds\");",
            "AddHandler<Shop.OrderPlaced, Shop.Vip>(builder, static o => { o.Name = \"vip \\\"desk\\\"\"; o.Topic = \"vip\"; o.Mode = EventBus.DeliveryMode.Inline; o.Capacity = 16; o.FullMode = EventBus.BufferFullMode.DropOldest; o.MaxConcurrency = 4; o.RetryPolicy = new EventBus.RetryPolicy { MaxRetries = 0 }; });");
        run.CompileErrors.Should().BeEmpty();
    }

    [Fact]
    public void An_excluded_class_is_not_registered_and_not_checked()
    {
        var run = Run(Handler("[EventBusHandler(Exclude = true)] public sealed class Manual") + """
            [EventBusHandler(Exclude = true)]
            public sealed class Hidden : IEventHandler<OrderPlaced>
            {
                private Hidden() { }
                public ValueTask HandleAsync(OrderPlaced message, EventContext context, CancellationToken cancellationToken) => default;
            }
            """);

        run.Diagnostics.Should().BeEmpty();
        run.Registrations.Should().BeEmpty();
        run.CompileErrors.Should().BeEmpty();
    }

    [Fact]
    public void EVB001_a_handler_without_a_public_constructor_is_reported_at_the_class_and_left_out()
    {
        var run = Run("""
            public sealed class Locked : IEventHandler<OrderPlaced>
            {
                internal Locked() { }
                public ValueTask HandleAsync(OrderPlaced message, EventContext context, CancellationToken cancellationToken) => default;
            }
            """ + Handler("public sealed class Open"));

        var diagnostic = run.Single("EVB001");
        diagnostic.Severity.Should().Be(DiagnosticSeverity.Warning);
        diagnostic.GetMessage(CultureInfo.InvariantCulture).Should().Be("'Shop.Locked' is not registered by AddEventBusHandlers(): it has no public constructor, so the container cannot create it. Make a constructor public, or exclude it with [EventBusHandler(Exclude = true)] and register it yourself.");
        run.TextAt(diagnostic.Location).Should().Be("Locked");
        run.Registrations.Should().Equal("AddHandler<Shop.OrderPlaced, Shop.Open>(builder);");
        run.CompileErrors.Should().BeEmpty();
    }

    [Fact]
    public void EVB002_an_open_generic_handler_or_one_nested_in_a_generic_type_is_reported()
    {
        var run = Run(Handler("public sealed class Generic<T>") + """
            public static class Outer<T>
            {
                public sealed class Inner : IEventHandler<OrderPlaced>
                {
                    public ValueTask HandleAsync(OrderPlaced message, EventContext context, CancellationToken cancellationToken) => default;
                }
            }
            """);

        run.Diagnostics.Where(d => d.Id == "EVB002").Select(d => d.GetMessage(CultureInfo.InvariantCulture)).Should().BeEquivalentTo(
        [
            "'Shop.Generic<T>' is not registered by AddEventBusHandlers(): it is generic (or nested in a generic type), and discovery cannot choose its type arguments. Register each closed type yourself, for example AddHandler<TEvent, Generic<Concrete>>(), or declare a non-generic class that derives from it.",
            "'Shop.Outer<T>.Inner' is not registered by AddEventBusHandlers(): it is generic (or nested in a generic type), and discovery cannot choose its type arguments. Register each closed type yourself, for example AddHandler<TEvent, Inner<Concrete>>(), or declare a non-generic class that derives from it.",
        ]);
        run.Registrations.Should().BeEmpty();
        run.CompileErrors.Should().BeEmpty();
    }

    [Fact]
    public void EVB003_a_private_handler_or_a_handler_of_a_private_type_is_reported()
    {
        var run = Run("""
            public static class Container
            {
                private sealed class Hidden : IEventHandler<OrderPlaced>
                {
                    public ValueTask HandleAsync(OrderPlaced message, EventContext context, CancellationToken cancellationToken) => default;
                }

                private sealed record Secret;

                public sealed class OfSecret : IEventHandler<Secret>
                {
                    ValueTask IEventHandler<Secret>.HandleAsync(Secret message, EventContext context, CancellationToken cancellationToken) => default;
                }
            }
            """ + Handler("file sealed class FileLocal"));

        run.Diagnostics.Where(d => d.Id == "EVB003").Select(d => d.GetMessage(CultureInfo.InvariantCulture)).Should().BeEquivalentTo(
        [
            "'Shop.Container.Hidden' is not registered by AddEventBusHandlers(): the class is private, protected or file-local, so the generated registration cannot name it. Make it internal or public.",
            "'Shop.Container.OfSecret' is not registered by AddEventBusHandlers(): the type it handles, 'Shop.Container.Secret', is private, protected or file-local, so the generated registration cannot name it. Make it internal or public.",
            "'Shop.FileLocal' is not registered by AddEventBusHandlers(): the class is private, protected or file-local, so the generated registration cannot name it. Make it internal or public.",
        ]);
        run.Registrations.Should().BeEmpty();
        run.CompileErrors.Should().BeEmpty();
    }

    [Fact]
    public void Public_handlers_of_a_marked_referenced_assembly_are_registered_and_EVB004_reports_the_ones_it_cannot_see()
    {
        var library = GeneratorHarness.Library("""
            using System.Threading;
            using System.Threading.Tasks;
            using EventBus;

            [assembly: EventBusHandlerAssembly]

            namespace Billing;

            public sealed record OrderPlaced(int Id);

            [EventBusHandler(Topic = "invoices")]
            public sealed class Archive : IEventHandler<OrderPlaced>
            {
                public ValueTask HandleAsync(OrderPlaced message, EventContext context, CancellationToken cancellationToken) => default;
            }

            internal sealed class Internal : IEventHandler<OrderPlaced>
            {
                public ValueTask HandleAsync(OrderPlaced message, EventContext context, CancellationToken cancellationToken) => default;
            }
            """, "Billing");

        var run = GeneratorHarness.Run(Usings + Handler("public sealed class Local"), [library]);

        var diagnostic = run.Single("EVB004");
        diagnostic.GetMessage(CultureInfo.InvariantCulture).Should().Be("'Billing.Internal' in the referenced assembly 'Billing' is not registered by AddEventBusHandlers(): the class is not visible to this assembly. Make it public, or register it inside 'Billing' (for example from an extension method that assembly exposes).");
        diagnostic.Location.Should().Be(Location.None);
        run.Registrations.Should().Equal(
            "AddHandler<Shop.OrderPlaced, Shop.Local>(builder);",
            "AddHandler<Billing.OrderPlaced, Billing.Archive>(builder, static o => { o.Topic = \"invoices\"; });");
        run.CompileErrors.Should().BeEmpty();
    }

    [Fact]
    public void Handlers_of_an_unmarked_referenced_assembly_are_left_alone()
    {
        var library = GeneratorHarness.Library(Usings.Replace("namespace Shop;", "namespace Billing;", StringComparison.Ordinal)
            + Handler("public sealed class Archive") + Handler("internal sealed class Internal"), "Billing");

        var run = GeneratorHarness.Run(Usings + Handler("public sealed class Local"), [library]);

        run.Diagnostics.Should().BeEmpty();
        run.Registrations.Should().Equal("AddHandler<Shop.OrderPlaced, Shop.Local>(builder);");
    }

    [Fact]
    public void EVB005_invalid_settings_are_errors_at_the_argument()
    {
        var run = Run(Handler("""[EventBusHandler(Capacity = 0, Topic = " ", Name = "", Concurrency = -1, MaxRetries = -2, Mode = (DeliveryMode)7, FullMode = (BufferFullMode)9)] public sealed class Bad"""));

        var errors = run.Diagnostics.Where(d => d.Id == "EVB005").ToList();
        errors.Should().OnlyContain(d => d.Severity == DiagnosticSeverity.Error);
        errors.Select(d => d.GetMessage(CultureInfo.InvariantCulture)).Should().BeEquivalentTo(
        [
            "'Shop.Bad' cannot be registered: [EventBusHandler(Capacity = 0)] is invalid: a capacity must be at least 1",
            "'Shop.Bad' cannot be registered: [EventBusHandler(Topic = \" \")] is invalid: a topic must not be empty or whitespace (leave it out to receive every topic)",
            "'Shop.Bad' cannot be registered: [EventBusHandler(Name = \"\")] is invalid: a name must not be empty or whitespace",
            "'Shop.Bad' cannot be registered: [EventBusHandler(Concurrency = -1)] is invalid: the concurrency must be at least 1 (or 0 for the option's default)",
            "'Shop.Bad' cannot be registered: [EventBusHandler(MaxRetries = -2)] is invalid: the number of retries must not be negative",
            "'Shop.Bad' cannot be registered: [EventBusHandler(Mode = 7)] is invalid: it is not a defined DeliveryMode",
            "'Shop.Bad' cannot be registered: [EventBusHandler(FullMode = 9)] is invalid: it is not a defined BufferFullMode",
        ]);
        var capacity = errors.Single(d => d.GetMessage(CultureInfo.InvariantCulture).Contains("Capacity", StringComparison.Ordinal)).Location;
        run.TextAt(capacity).Should().Be("Capacity = 0");
        run.Registrations.Should().BeEmpty();
    }

    [Fact]
    public void EVB006_a_subscription_setting_on_a_work_item_handler_is_reported_and_the_handler_still_registered()
    {
        var run = Run(Handler("""[EventBusHandler(Topic = "x", Mode = DeliveryMode.Inline)] public sealed class Cards""", "ChargeCard", "IWorkItemHandler"));

        run.Diagnostics.Where(d => d.Id == "EVB006").Select(d => d.GetMessage(CultureInfo.InvariantCulture)).Should().BeEquivalentTo(
        [
            "[EventBusHandler(Topic)] has no effect on 'Shop.Cards': Topic applies only to event handlers (IEventHandler<T>), and 'Shop.Cards' handles only work items",
            "[EventBusHandler(Mode)] has no effect on 'Shop.Cards': Mode applies only to event handlers (IEventHandler<T>), and 'Shop.Cards' handles only work items",
        ]);
        run.Registrations.Should().Equal("AddWorkQueue<Shop.ChargeCard, Shop.Cards>(builder);");
        run.CompileErrors.Should().BeEmpty();
    }

    [Fact]
    public void EVB007_the_attribute_on_a_class_that_is_no_handler_is_reported()
    {
        var run = Run("""[EventBusHandler(Topic = "x")] public sealed class NotAHandler;""");

        run.Single("EVB007").GetMessage(CultureInfo.InvariantCulture).Should().Be("[EventBusHandler] has no effect on 'Shop.NotAHandler': it implements neither IEventHandler<T> nor IWorkItemHandler<T>");
        run.Registrations.Should().BeEmpty();
    }

    [Fact]
    public void EVB008_two_handlers_of_one_work_queue_are_an_error()
    {
        var run = Run(Handler("public sealed class First", "ChargeCard", "IWorkItemHandler") + Handler("public sealed class Second", "ChargeCard", "IWorkItemHandler")
            + Handler("""[EventBusHandler(Name = "refunds")] public sealed class Third""", "ChargeCard", "IWorkItemHandler"));

        var error = run.Single("EVB008");
        error.Severity.Should().Be(DiagnosticSeverity.Error);
        error.GetMessage(CultureInfo.InvariantCulture).Should().Be("'Shop.First' and 'Shop.Second' both handle the work queue of Shop.ChargeCard: each item of a work queue goes to exactly one handler. Give one of them its own queue with [EventBusHandler(Name = \"...\")], or exclude one.");
        run.Registrations.Should().Equal(
            "AddWorkQueue<Shop.ChargeCard, Shop.First>(builder);",
            "AddWorkQueue<Shop.ChargeCard, Shop.Third>(builder, \"refunds\");");
    }

    [Fact]
    public void EVB009_a_struct_handler_is_reported()
    {
        var run = Run(Handler("public struct Value"));

        run.Single("EVB009").GetMessage(CultureInfo.InvariantCulture).Should().StartWith("'Shop.Value' is not registered by AddEventBusHandlers(): handlers are resolved from the container per message, and it is a struct.");
        run.Registrations.Should().BeEmpty();
    }

    [Fact]
    public void Filters_of_the_attribute_become_the_registrations_own_filters_in_order_for_subscriptions_and_work_queues()
    {
        var run = Run(Filter("public sealed class Tenant") + Filter("internal sealed class Timing") + Filter("public sealed class Typed<T>") + """
            [EventBusHandler(Filters = [typeof(Timing), typeof(Tenant), typeof(Timing)])]
            public sealed class Ledger : IEventHandler<OrderPlaced>, IWorkItemHandler<ChargeCard>
            {
                public ValueTask HandleAsync(OrderPlaced message, EventContext context, CancellationToken cancellationToken) => default;
                public ValueTask HandleAsync(ChargeCard message, EventContext context, CancellationToken cancellationToken) => default;
            }
            """
            + Handler("""[EventBusHandler(Name = "refunds", Concurrency = 2, Filters = new[] { typeof(Typed<ChargeCard>) })] public sealed class Refunds""", "ChargeCard", "IWorkItemHandler")
            + Handler("""[EventBusHandler(Topic = "vip", Filters = new System.Type[] { typeof(Tenant) })] public sealed class Vip""")
            + Handler("""[EventBusHandler(Filters = [])] public sealed class Plain"""));

        run.Diagnostics.Should().BeEmpty();
        run.Registrations.Should().Equal(
            "AddHandler<Shop.OrderPlaced, Shop.Ledger>(builder, null, filters: static f => f.Add<Shop.Timing>().Add<Shop.Tenant>());",
            "AddWorkQueue<Shop.ChargeCard, Shop.Ledger>(builder, null, filters: static f => f.Add<Shop.Timing>().Add<Shop.Tenant>());",
            "AddHandler<Shop.OrderPlaced, Shop.Plain>(builder);",
            "AddWorkQueue<Shop.ChargeCard, Shop.Refunds>(builder, \"refunds\", static o => { o.WorkerCount = 2; }, filters: static f => f.Add<Shop.Typed<Shop.ChargeCard>>());",
            "AddHandler<Shop.OrderPlaced, Shop.Vip>(builder, static o => { o.Topic = \"vip\"; }, filters: static f => f.Add<Shop.Tenant>());");
        run.CompileErrors.Should().BeEmpty("each call binds to the overload that takes filters");
    }

    [Fact]
    public void EVB010_a_listed_type_that_is_no_filter_is_an_error_at_the_entry_and_the_handler_is_left_out()
    {
        var run = Run(Filter("public sealed class Tenant") + "public sealed class NotAFilter;\n"
            + Handler("[EventBusHandler(Filters = [typeof(Tenant), typeof(NotAFilter), null])] public sealed class Bad")
            + Handler("public sealed class Good"));

        var errors = run.Diagnostics.Where(d => d.Id == "EVB010").ToList();
        errors.Should().OnlyContain(d => d.Severity == DiagnosticSeverity.Error);
        errors.Select(d => d.GetMessage(CultureInfo.InvariantCulture)).Should().Equal(
            "'Shop.Bad' cannot be registered: [EventBusHandler(Filters)] lists 'Shop.NotAFilter', which does not implement EventBus.IHandlerFilter. List filter classes only.",
            "'Shop.Bad' cannot be registered: [EventBusHandler(Filters)] lists null, which does not implement EventBus.IHandlerFilter. List filter classes only.");
        run.TextAt(errors[0].Location).Should().Be("typeof(NotAFilter)");
        run.Registrations.Should().Equal(["AddHandler<Shop.OrderPlaced, Shop.Good>(builder);"], "a handler whose filters cannot all run is not registered without them");
        run.CompileErrors.Should().BeEmpty();
    }

    [Fact]
    public void EVB011_an_abstract_open_generic_interface_struct_or_constructorless_filter_is_an_error()
    {
        var run = Run(
            Filter("public abstract class Base") + Filter("public sealed class Typed<T>") + Filter("public struct Value")
            + "public sealed class Locked : IHandlerFilter { private Locked() { } public ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next) => next(context); }\n"
            + Handler("[EventBusHandler(Filters = [typeof(Base), typeof(Typed<>), typeof(IHandlerFilter), typeof(Value), typeof(Locked)])] public sealed class Bad", "ChargeCard", "IWorkItemHandler"));

        var errors = run.Diagnostics.Where(d => d.Id == "EVB011").ToList();
        errors.Should().OnlyContain(d => d.Severity == DiagnosticSeverity.Error);
        errors.Select(d => d.GetMessage(CultureInfo.InvariantCulture)).Should().Equal(
            Reason("Shop.Base", "is abstract"),
            Reason("Shop.Typed<>", "is an open generic type"),
            Reason("EventBus.IHandlerFilter", "is an interface"),
            Reason("Shop.Value", "is a struct"),
            Reason("Shop.Locked", "has no public constructor"));
        run.TextAt(errors[1].Location).Should().Be("typeof(Typed<>)");
        run.Registrations.Should().BeEmpty();
        run.CompileErrors.Should().BeEmpty();

        static string Reason(string filter, string why) =>
            $"'Shop.Bad' cannot be registered: its filter '{filter}' {why}, so the container cannot create it. List a concrete, non-generic class with a public constructor (a closed generic type such as Filter<Order> is fine).";
    }

    [Fact]
    public void EVB012_a_filter_the_generated_code_cannot_name_is_an_error_private_file_local_or_internal_to_a_referenced_assembly()
    {
        var library = GeneratorHarness.Library("""
            using System.Threading;
            using System.Threading.Tasks;
            using EventBus;

            [assembly: EventBusHandlerAssembly]

            namespace Billing;

            public sealed record Invoice(int Id);

            internal sealed class Audit : IHandlerFilter
            {
                public ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next) => next(context);
            }

            [EventBusHandler(Filters = [typeof(Audit)])]
            public sealed class Archive : IEventHandler<Invoice>
            {
                public ValueTask HandleAsync(Invoice message, EventContext context, CancellationToken cancellationToken) => default;
            }
            """, "Billing");

        var run = GeneratorHarness.Run(Usings + """
            public static class Container
            {
                private sealed class Secret : IHandlerFilter
                {
                    public ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next) => next(context);
                }

                [EventBusHandler(Filters = [typeof(Secret)])]
                public sealed class UsesSecret : IEventHandler<OrderPlaced>
                {
                    public ValueTask HandleAsync(OrderPlaced message, EventContext context, CancellationToken cancellationToken) => default;
                }
            }
            """ + Filter("file sealed class Local") + Handler("[EventBusHandler(Filters = [typeof(Local)])] public sealed class UsesLocal"), [library]);

        var errors = run.Diagnostics.Where(d => d.Id == "EVB012").ToList();
        errors.Should().OnlyContain(d => d.Severity == DiagnosticSeverity.Error);
        errors.Select(d => d.GetMessage(CultureInfo.InvariantCulture)).Should().BeEquivalentTo(
        [
            Reason("Shop.Container.UsesSecret", "Shop.Container.Secret"),
            Reason("Shop.UsesLocal", "Shop.Local"),
            Reason("Billing.Archive", "Billing.Audit"),
        ]);
        errors.Single(d => d.GetMessage(CultureInfo.InvariantCulture).Contains("Billing", StringComparison.Ordinal)).Location.Should().Be(Location.None);
        run.Registrations.Should().BeEmpty();
        run.CompileErrors.Should().BeEmpty();

        static string Reason(string handler, string filter) =>
            $"'{handler}' cannot be registered: its filter '{filter}' is not accessible from this assembly's code (private, protected, file-local, or internal to another assembly), so the generated registration cannot name it. Make it internal or public.";
    }

    [Fact]
    public void Without_a_handler_the_method_still_exists_so_that_calls_compile()
    {
        var run = Run("""
            public static class Startup
            {
                public static void Configure(IServiceCollection services) => services.AddEventBus().AddEventBusHandlers();
            }
            """);

        run.Diagnostics.Should().BeEmpty();
        run.Registrations.Should().BeEmpty();
        run.CompileErrors.Should().BeEmpty();
    }

    [Fact]
    public void A_project_without_EventBus_DependencyInjection_gets_nothing()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Compilation("public sealed class Plain;", references: GeneratorHarness.FrameworkOnly));

        run.Source.Should().BeNull();
        run.Diagnostics.Should().BeEmpty();
    }

    [Fact]
    public void An_edit_that_changes_no_handler_reuses_the_previous_output()
    {
        var compilation = GeneratorHarness.Compilation(Usings + Handler("public sealed class ReserveStock"));
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Shop; public static class Unrelated { public static int Answer() => 42; }", new CSharpParseOptions(LanguageVersion.Latest)));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        result.TrackedSteps[HandlerDiscoveryGenerator.TrackingNames.Referenced].SelectMany(step => step.Outputs).Select(o => o.Reason)
            .Should().OnlyContain(reason => reason == IncrementalStepRunReason.Unchanged || reason == IncrementalStepRunReason.Cached);
        result.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(step => step.Outputs).Select(o => o.Reason)
            .Should().NotBeEmpty().And.OnlyContain(reason => reason == IncrementalStepRunReason.Cached, "the generated source is not produced again");
    }
}
