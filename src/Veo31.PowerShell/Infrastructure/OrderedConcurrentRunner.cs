using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>
    /// Runs piped items' async work with bounded concurrency and hands each result back on the pipeline thread in input
    /// order, pumping the <see cref="PipelineDispatcher"/> (log, progress) while it waits. <see cref="Add"/> and
    /// <see cref="Complete"/> are called from ProcessRecord and EndProcessing, and the emit callback runs there too.
    /// An item waiting for a free slot is started by the item that frees it, so the pipeline thread is not held here while
    /// the command before this one has work to hand on (two such commands in a row overlap instead of taking turns).
    /// </summary>
    internal sealed class OrderedConcurrentRunner<TItem, TResult>
    {
        // Items in hand (running, waiting for a slot, or finished behind a slow head) per slot; past that Add waits, so a
        // stuck head holds back a bounded number of items, not the whole input.
        private const int HeldPerSlot = 4;

        private readonly object _gate = new object();
        private readonly Queue<Entry> _pending = new Queue<Entry>();
        private readonly PipelineDispatcher _dispatcher;
        private readonly int _throttleLimit;
        private readonly Action<TItem, Task<TResult>> _emit;
        private readonly CancellationToken _stopToken;
        private readonly Action<IReadOnlyList<KeyValuePair<TItem, Task<TResult>>>, bool>? _onAbandoned;
        private readonly Func<Task<TResult>, bool> _doomsLaterItems;
        private bool _closed;
        private int _doomedUnemitted;
        private int _running;

        /// <param name="dispatcher">The command's dispatcher.</param>
        /// <param name="throttleLimit">How many items' work may run at once.</param>
        /// <param name="emit">Writes one item's result (its task has ended) on the pipeline thread.</param>
        /// <param name="stopToken">The command's stop token (Ctrl+C).</param>
        /// <param name="doomsLaterItems">
        /// Whether a finished item's outcome dooms every later item too (a bad key, no credits): then nothing new starts
        /// until that item is emitted (its emit then ends the command), so such a batch sends at most one request per slot.
        /// </param>
        /// <param name="onAbandoned">
        /// Null for work that may simply be cancelled on Ctrl+C (the pump stops at once). Otherwise the work is paid for and
        /// must not be abandoned once started: on Ctrl+C, or when emitting an item throws (a terminating error, a downstream
        /// stop), nothing new starts, every started item is awaited, and this gets the started items whose results were not
        /// emitted (the one whose emit threw first) and whether the user stopped; then the runner throws
        /// PipelineStoppedException (stopped) or the emit's exception.
        /// </param>
        public OrderedConcurrentRunner(PipelineDispatcher dispatcher, int throttleLimit, Action<TItem, Task<TResult>> emit,
            CancellationToken stopToken, Func<Task<TResult>, bool> doomsLaterItems,
            Action<IReadOnlyList<KeyValuePair<TItem, Task<TResult>>>, bool>? onAbandoned = null)
        {
            if (throttleLimit < 1) throw new ArgumentOutOfRangeException(nameof(throttleLimit));
            _dispatcher = dispatcher;
            _throttleLimit = throttleLimit;
            _emit = emit;
            _stopToken = stopToken;
            _onAbandoned = onAbandoned;
            _doomsLaterItems = doomsLaterItems;
            if (onAbandoned != null) stopToken.Register(dispatcher.Wake);
        }

        private bool IsPaid => _onAbandoned != null;

        /// <summary>
        /// Takes one item: its work starts now if a slot is free, else when one frees up; finished results are emitted
        /// meanwhile. <paramref name="start"/> may run on a thread-pool thread.
        /// </summary>
        public void Add(TItem item, Func<Task<TResult>> start)
        {
            EmitFinished();
            while (HeldCount() >= _throttleLimit * HeldPerSlot)
            {
                WaitFor(() => HeadFinished() || HeldCount() < _throttleLimit * HeldPerSlot);
                EmitFinished();
            }
            if (IsPaid && _stopToken.IsCancellationRequested) Abandon(stopped: true, emitError: null);

            lock (_gate) _pending.Enqueue(new Entry(item, start));
            StartWaiting();
            EmitFinished();
        }

        /// <summary>Waits for every item and emits the remaining results in order.</summary>
        public void Complete()
        {
            while (HeldCount() > 0)
            {
                WaitFor(HeadFinished);
                EmitFinished();
            }
        }

        /// <summary>
        /// For a command ended from elsewhere (Ctrl+C or an error upstream while this one waited for its next item): awaits
        /// paid work already started and reports what was not emitted. Does nothing for work that may be cancelled.
        /// </summary>
        public void FinishStarted()
        {
            if (IsPaid && HeldCount() > 0) ReportAfterFinishing(_stopToken.IsCancellationRequested);
        }

        private int HeldCount()
        {
            lock (_gate) return _pending.Count;
        }

        private bool HeadFinished()
        {
            lock (_gate) return _pending.Count > 0 && _pending.Peek().Task is Task<TResult> task && task.IsCompleted;
        }

        /// <summary>Starts waiting items while slots are free, in input order; called on any thread.</summary>
        private void StartWaiting()
        {
            while (true)
            {
                Entry? next = null;
                lock (_gate)
                {
                    if (_closed || (IsPaid && _stopToken.IsCancellationRequested)) return;
                    if (_running >= _throttleLimit || _doomedUnemitted > 0) return;
                    foreach (Entry entry in _pending)
                    {
                        if (entry.Task != null) continue;
                        next = entry;
                        break;
                    }
                    if (next == null) return;
                    _running++;
                    next.Task = StartedPlaceholder;
                }
                Task<TResult> task;
                try
                {
                    task = next.Start();
                }
                catch (Exception ex)
                {
                    // A start that throws instead of returning a faulted task must still free its slot and reach its emit,
                    // or Complete would wait forever for it.
                    task = Task.FromException<TResult>(ex);
                }
                lock (_gate) next.Task = task;
                task.ContinueWith(static (t, state) => ((OrderedConcurrentRunner<TItem, TResult>)state!).OnFinished(t),
                    this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        // Marks an entry whose start is under way (not yet returned its task); never completes.
        private static readonly Task<TResult> StartedPlaceholder = new TaskCompletionSource<TResult>().Task;

        private void OnFinished(Task<TResult> task)
        {
            bool doomed = _doomsLaterItems(task);
            lock (_gate)
            {
                _running--;
                if (doomed) _doomedUnemitted++;
            }
            StartWaiting();
            _dispatcher.Wake();
        }

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
            while (HeadFinished())
            {
                if (IsPaid && _stopToken.IsCancellationRequested) Abandon(stopped: true, emitError: null);
                Entry head;
                lock (_gate) head = _pending.Peek();
                try
                {
                    _emit(head.Item, head.Task!);
                }
                catch (Exception ex) when (IsPaid)
                {
                    Abandon(_stopToken.IsCancellationRequested, ex);
                    throw; // not reached: Abandon throws
                }
                bool resume = false;
                lock (_gate)
                {
                    _pending.Dequeue();
                    if (_doomsLaterItems(head.Task!)) resume = --_doomedUnemitted == 0;
                }
                // The emit of a dooming outcome normally ends the command; if it did not, the batch goes on.
                if (resume) StartWaiting();
            }
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
            lock (_gate) _closed = true;
            _dispatcher.PumpUntilFinished(() => { lock (_gate) return _running == 0; });
            var unemitted = new List<KeyValuePair<TItem, Task<TResult>>>();
            lock (_gate)
            {
                foreach (Entry entry in _pending)
                    if (entry.Task != null) unemitted.Add(new KeyValuePair<TItem, Task<TResult>>(entry.Item, entry.Task));
                _pending.Clear();
            }
            stopped = stopped || _stopToken.IsCancellationRequested;
            _onAbandoned!(unemitted, stopped);
            return stopped;
        }

        private sealed class Entry
        {
            public Entry(TItem item, Func<Task<TResult>> start)
            {
                Item = item;
                Start = start;
            }

            public TItem Item { get; }
            public Func<Task<TResult>> Start { get; }
            /// <summary>Null until started (set under the runner's lock).</summary>
            public Task<TResult>? Task { get; set; }
        }
    }
}
