namespace EventBus.Sqlite.Storage.Operations;

/// <summary>An operation whose caller awaits a result. Continuations never run on the writer thread.</summary>
internal abstract class StoreOperation<TResult> : StoreOperation
{
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Task<TResult> Task => _completion.Task;

    internal sealed override void Complete()
    {
        TResult result;
        try
        {
            result = Commit();
        }
        catch (Exception e)
        {
            _completion.TrySetException(e);
            return;
        }

        _completion.TrySetResult(result);
    }

    internal sealed override void Fail(Exception error)
    {
        OnFailed();
        _completion.TrySetException(error);
    }

    /// <summary>Applies the committed effects and returns the caller's result, or throws this operation's own
    /// problem (found during <see cref="StoreOperation.Execute"/>) to the caller.</summary>
    protected abstract TResult Commit();

    /// <summary>Undoes what the call did before it was queued (a lease marked as settling).</summary>
    protected virtual void OnFailed()
    {
    }
}
