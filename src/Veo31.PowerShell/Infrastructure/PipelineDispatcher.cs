using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace Veo31.PowerShell.Infrastructure
{
    /// <summary>
    /// Work posted from background threads and run on the pipeline thread, the only thread allowed to call
    /// WriteObject, WriteError, WriteProgress and WriteVerbose.
    /// </summary>
    internal sealed class PipelineDispatcher : IDisposable
    {
        private static readonly Action WakeUp = () => { };
        private readonly BlockingCollection<Action> _queue = new BlockingCollection<Action>();

        /// <summary>Queues work for the pipeline thread; silently dropped once the command has ended.</summary>
        public void Post(Action action)
        {
            try
            {
                _queue.Add(action);
            }
            catch (InvalidOperationException)
            {
                // Completed for adding or disposed (ObjectDisposedException derives from it): the command has ended.
            }
        }

        /// <summary>Runs queued work until the task ends, then returns its result (or throws its exception).</summary>
        public T PumpUntilComplete<T>(Task<T> task, CancellationToken cancellationToken)
        {
            task.ContinueWith(_ => Post(WakeUp), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            while (!task.IsCompleted)
            {
                if (_queue.TryTake(out Action? action, Timeout.Infinite, cancellationToken)) action();
            }
            RunPending();
            return task.GetAwaiter().GetResult();
        }

        /// <summary>Runs queued work until <paramref name="done"/> holds. Whoever changes what it reads must <see cref="Wake"/> this.</summary>
        public void PumpUntil(Func<bool> done, CancellationToken cancellationToken)
        {
            while (!done())
            {
                if (_queue.TryTake(out Action? action, Timeout.Infinite, cancellationToken)) action();
            }
        }

        /// <summary>
        /// Runs queued work until <paramref name="done"/> holds, whatever the stop token says: for work that must be awaited
        /// after Ctrl+C. The stopped pipeline refuses writes, so log lines and progress posted meanwhile are dropped.
        /// </summary>
        public void PumpUntilFinished(Func<bool> done)
        {
            while (!done())
            {
                if (!_queue.TryTake(out Action? action, Timeout.Infinite)) continue;
                try
                {
                    action();
                }
                catch (System.Management.Automation.PipelineStoppedException)
                {
                }
            }
        }

        /// <summary>Makes a pump that is waiting look at its condition again.</summary>
        public void Wake() => Post(WakeUp);

        /// <summary>Runs at most one queued item, waiting up to <paramref name="wait"/> for it. Throws when cancelled.</summary>
        public bool RunOne(TimeSpan wait, CancellationToken cancellationToken)
        {
            int milliseconds = wait <= TimeSpan.Zero ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(wait.TotalMilliseconds));
            if (!_queue.TryTake(out Action? action, milliseconds, cancellationToken)) return false;
            action();
            return true;
        }

        /// <summary>Runs everything already queued without waiting.</summary>
        public void RunPending()
        {
            while (_queue.TryTake(out Action? action)) action();
        }

        public void Dispose()
        {
            _queue.CompleteAdding();
            _queue.Dispose();
        }
    }
}
