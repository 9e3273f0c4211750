using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>
    /// Runs piped items' async work with bounded concurrency and hands each result back on the pipeline thread in input
    /// order, pumping the <see cref="PipelineDispatcher"/> (log, progress) while it waits. Everything but the started work
    /// itself runs on the pipeline thread: <see cref="Add"/> and <see cref="Complete"/> are called from ProcessRecord and
    /// EndProcessing, and the emit callback may write.
    /// </summary>
    internal sealed class OrderedConcurrentRunner<TItem, TResult>
    {
        // Results that finished behind a slow head wait for it; past this many items in hand nothing new starts, so a
        // stuck head holds back a bounded number of results, not the whole input.
        private const int HeldPerSlot = 4;

        private readonly Queue<Entry> _pending = new Queue<Entry>();
        private readonly PipelineDispatcher _dispatcher;
        private readonly int _throttleLimit;
        private readonly Action<TItem, Task<TResult>> _emit;
        private readonly CancellationToken _stopToken;
        private readonly Action<IReadOnlyList<KeyValuePair<TItem, Task<TResult>>>, bool>? _onAbandoned;
        private bool _anyEmitted;
        private int _running;

        /// <param name="dispatcher">The command's dispatcher.</param>
        /// <param name="throttleLimit">How many items' work may run at once.</param>
        /// <param name="emit">Writes one item's result (its task has ended) on the pipeline thread.</param>
        /// <param name="stopToken">The command's stop token (Ctrl+C).</param>
        /// <param name="onAbandoned">
        /// Null for work that may simply be cancelled on Ctrl+C (the pump stops at once). Otherwise the work is paid for and
        /// must not be abandoned once started: on Ctrl+C, or when emitting an item throws (a terminating error, a downstream
        /// stop), nothing new starts, every started item is awaited, and this gets the items whose results were not
        /// emitted (the one whose emit threw first) and whether the user stopped; then the runner throws
        /// PipelineStoppedException (stopped) or the emit's exception.
        /// </param>
        public OrderedConcurrentRunner(PipelineDispatcher dispatcher, int throttleLimit, Action<TItem, Task<TResult>> emit,
            CancellationToken stopToken, Action<IReadOnlyList<KeyValuePair<TItem, Task<TResult>>>, bool>? onAbandoned = null)
        {
            if (throttleLimit < 1) throw new ArgumentOutOfRangeException(nameof(throttleLimit));
            _dispatcher = dispatcher;
            _throttleLimit = throttleLimit;
            _emit = emit;
            _stopToken = stopToken;
            _onAbandoned = onAbandoned;
            if (onAbandoned != null) stopToken.Register(dispatcher.Wake);
        }

        /// <summary>Items started whose results have not been emitted yet.</summary>
        public int Pending => _pending.Count;

        /// <summary>
        /// Starts one item's work once a slot is free (emitting finished results meanwhile). Until the first result is
        /// emitted only one item runs: a failure that dooms every item (a bad key, no credits) then costs one request, not
        /// one per slot.
        /// </summary>
        public void Add(TItem item, Func<Task<TResult>> start)
        {
            EmitFinished();
            while (!HasRoom)
            {
                WaitFor(() => HasRoom || HeadFinished);
                EmitFinished();
            }
            if (IsPaid && _stopToken.IsCancellationRequested) Abandon(stopped: true, emitError: null);

            Task<TResult> task = start();
            Interlocked.Increment(ref _running);
            _pending.Enqueue(new Entry(item, task));
            task.ContinueWith(static (_, state) =>
            {
                var runner = (OrderedConcurrentRunner<TItem, TResult>)state!;
                Interlocked.Decrement(ref runner._running);
                runner._dispatcher.Wake();
            }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            EmitFinished();
        }

        /// <summary>Waits for every started item and emits the remaining results in order.</summary>
        public void Complete()
        {
            while (_pending.Count > 0)
            {
                WaitFor(() => HeadFinished);
                EmitFinished();
            }
        }

        private bool HasRoom => Volatile.Read(ref _running) < (_anyEmitted ? _throttleLimit : 1) && _pending.Count < _throttleLimit * HeldPerSlot;

        private bool HeadFinished => _pending.Count > 0 && _pending.Peek().Task.IsCompleted;

        private bool IsPaid => _onAbandoned != null;

        private void WaitFor(Func<bool> condition)
        {
            if (!IsPaid)
            {
                _dispatcher.PumpUntil(condition, _stopToken);
                return;
            }
            // Paid work: Ctrl+C does not end the wait for requests already on the wire; it ends the batch after them.
            _dispatcher.PumpUntilFinished(() => condition() || _stopToken.IsCancellationRequested);
            if (_stopToken.IsCancellationRequested) Abandon(stopped: true, emitError: null);
        }

        private void EmitFinished()
        {
            // Progress and log posted by a finished task are queued before its wake-up: run them before its result.
            _dispatcher.RunPending();
            while (HeadFinished)
            {
                if (IsPaid && _stopToken.IsCancellationRequested) Abandon(stopped: true, emitError: null);
                Entry head = _pending.Peek();
                try
                {
                    _emit(head.Item, head.Task);
                }
                catch (Exception ex) when (IsPaid)
                {
                    Abandon(_stopToken.IsCancellationRequested, ex);
                    throw; // not reached: Abandon throws
                }
                _pending.Dequeue();
                _anyEmitted = true;
            }
        }

        /// <summary>
        /// For a command ended from elsewhere (Ctrl+C or an error upstream while this one waited for its next item): awaits
        /// paid work already started and reports what was not emitted. Does nothing for work that may be cancelled.
        /// </summary>
        public void FinishStarted()
        {
            if (IsPaid && _pending.Count > 0) ReportAfterFinishing(_stopToken.IsCancellationRequested);
        }

        /// <summary>Awaits every started item, reports those not emitted, then ends the command.</summary>
        private void Abandon(bool stopped, Exception? emitError)
        {
            stopped = ReportAfterFinishing(stopped);
            if (emitError != null && !stopped) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(emitError).Throw();
            throw new System.Management.Automation.PipelineStoppedException();
        }

        private bool ReportAfterFinishing(bool stopped)
        {
            _dispatcher.PumpUntilFinished(() => Volatile.Read(ref _running) == 0);
            var unemitted = new List<KeyValuePair<TItem, Task<TResult>>>(_pending.Count);
            foreach (Entry entry in _pending) unemitted.Add(new KeyValuePair<TItem, Task<TResult>>(entry.Item, entry.Task));
            _pending.Clear();
            stopped = stopped || _stopToken.IsCancellationRequested;
            _onAbandoned!(unemitted, stopped);
            return stopped;
        }

        private readonly struct Entry
        {
            public Entry(TItem item, Task<TResult> task)
            {
                Item = item;
                Task = task;
            }

            public TItem Item { get; }
            public Task<TResult> Task { get; }
        }
    }
}
