using System.Collections.Concurrent;
using System.Globalization;
using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.PaymentQueue;

/// <summary>
/// A card processor, simulated, with the faults real ones have, decided up front so every run
/// tells the same story: timeouts and 503s that pass, a currency the merchant has not enabled
/// (fails until someone fixes the account), and a reply lost after the money moved.
/// Like real processors it takes an idempotency key: a request with a key it has seen returns the
/// first receipt instead of charging again.
/// </summary>
internal sealed class PaymentGateway
{
    private readonly Lock _lock = new();
    private readonly ScenePace _pace;
    private readonly TimeProvider _time;
    private long _start;
    private readonly Dictionary<string, int> _transientFailures;
    private readonly HashSet<string> _loseReplyOnce;
    private readonly HashSet<string> _currencies = ["EUR"];
    private readonly Dictionary<string, string> _receiptsByKey = [];
    private readonly List<GatewayRequest> _requests = [];
    private readonly ConcurrentQueue<(string PaymentId, string Receipt)> _charges = new();
    private bool _fixed;
    private int _inFlight;

    public PaymentGateway(ScenePace pace, TimeProvider time, IReadOnlyDictionary<string, int> transientFailures, IEnumerable<string> loseReplyOnce)
    {
        _pace = pace;
        _time = time;
        _start = time.GetTimestamp();
        _transientFailures = new Dictionary<string, int>(transientFailures);
        _loseReplyOnce = [.. loseReplyOnce];
    }

    /// <summary>Every request, in the order they arrived.</summary>
    public IReadOnlyList<GatewayRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Every time money actually moved.</summary>
    public IReadOnlyList<(string PaymentId, string Receipt)> Charges => [.. _charges];

    /// <summary>The most requests the gateway was working on at the same time.</summary>
    public int PeakInFlight { get; private set; }

    /// <summary>Starts the clock the requests' times are measured from.</summary>
    public void StartClock() => _start = _time.GetTimestamp();

    /// <summary>The fix an operator makes after reading the dead letter: the merchant account accepts a new currency.</summary>
    public void EnableCurrency(string currency)
    {
        lock (_lock)
        {
            _currencies.Add(currency);
            _fixed = true;
        }
    }

    public async Task<string> ChargeAsync(ChargePayment payment, string idempotencyKey, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            PeakInFlight = Math.Max(PeakInFlight, ++_inFlight);
        }

        try
        {
            // The round trip to the card network.
            await _pace.TickAsync(cancellationToken);
            await _pace.TickAsync(cancellationToken);
            return Decide(payment, idempotencyKey);
        }
        finally
        {
            lock (_lock)
            {
                _inFlight--;
            }
        }
    }

    private string Decide(ChargePayment payment, string key)
    {
        lock (_lock)
        {
            if (_receiptsByKey.TryGetValue(key, out var receipt))
            {
                Log(payment, key, GatewayAnswer.Duplicate, $"key seen before: sent back {receipt}, charged nothing", error: null);
                return receipt;
            }

            if (!_currencies.Contains(payment.Currency))
            {
                throw Fail(payment, key, new NotSupportedException($"{payment.Currency} not enabled"));
            }

            if (_transientFailures.TryGetValue(payment.PaymentId, out var left) && left > 0)
            {
                _transientFailures[payment.PaymentId] = left - 1;
                throw Fail(payment, key, left % 2 == 0
                    ? new HttpRequestException("503 Service Unavailable")
                    : new TimeoutException("no answer within 5 s"));
            }

            receipt = $"R-{(_charges.Count + 1).ToString("000", CultureInfo.InvariantCulture)}";
            _receiptsByKey[key] = receipt;
            _charges.Enqueue((payment.PaymentId, receipt));
            if (_loseReplyOnce.Remove(payment.PaymentId))
            {
                var lost = new IOException("connection reset before the reply arrived");
                Log(payment, key, GatewayAnswer.ChargedReplyLost, $"charged {Ui.Money(payment.Amount, payment.Currency)} as {receipt}, then the reply was lost", lost);
                throw lost;
            }

            Log(payment, key, GatewayAnswer.Charged, $"charged {Ui.Money(payment.Amount, payment.Currency)} as {receipt}", error: null);
            return receipt;
        }
    }

    private Exception Fail(ChargePayment payment, string key, Exception error)
    {
        Log(payment, key, GatewayAnswer.Failed, $"{error.GetType().Name}: {error.Message}", error);
        return error;
    }

    private void Log(ChargePayment payment, string key, GatewayAnswer answer, string detail, Exception? error) =>
        _requests.Add(new GatewayRequest(_requests.Count + 1, payment.PaymentId, key, _time.GetElapsedTime(_start), _fixed, answer, detail, error));
}
