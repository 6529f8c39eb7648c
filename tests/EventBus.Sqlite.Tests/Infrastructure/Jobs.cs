using EventBus.Sqlite.Storage;

namespace EventBus.Sqlite.Tests.Infrastructure;

/// <summary>Short forms for what many tests do with a store.</summary>
internal static class Jobs
{
    public static async Task EnqueueAsync(this SqliteItemStore<TestJob> store, params int[] numbers)
    {
        foreach (var number in numbers)
        {
            await store.EnqueueAsync(new TestJob(number, $"job {number}"));
        }
    }

    public static async Task<IReadOnlyList<DurableItem<TestJob>>> ClaimAllAsync(this SqliteItemStore<TestJob> store, int max = 100) =>
        await store.ClaimAsync(max);

    public static IEnumerable<int> Numbers(this IEnumerable<DurableItem<TestJob>> items) => items.Select(i => i.Item.Number);
}
