using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Polly;
using Veo31.Core.Errors;
using Veo31.Core.Json;
using Veo31.Core.Logging;
using Veo31.Core.Resilience;

namespace Veo31.Core.Http
{
    /// <summary>
    /// Sends API calls: a fresh request per attempt, the key only to the API's own origin, bounded answers, typed
    /// errors, and retries through one Polly pipeline with a retry budget shared by the client.
    /// </summary>
    internal sealed class ApiTransport : IDisposable
    {
        private static readonly string UserAgent = "Veo31.PowerShell/" +
            (typeof(ApiTransport).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

        private readonly ApiKeyHolder _key;
        private readonly ResiliencePipeline _pipeline;

        public ApiTransport(VeoClientOptions options, Uri baseUri, ApiKeyHolder key, HttpMessageHandler handler)
        {
            Options = options;
            BaseUri = baseUri;
            _key = key;
            Budget = new RetryBudget();
            RateLimiter = new AdaptiveRateLimiter(options.MaxRetryAfter);
            _pipeline = RetryPipelineFactory.Create(options, Budget);
            Http = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
            Http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        }

        public VeoClientOptions Options { get; }
        public Uri BaseUri { get; }
        public HttpClient Http { get; }
        public RetryBudget Budget { get; }
        /// <summary>Paces every API call of the session (not downloads from other hosts).</summary>
        public AdaptiveRateLimiter RateLimiter { get; }

        /// <summary>
        /// An API request: it carries the key only when it goes to the API's own origin (scheme, host and port), and accepts
        /// a gzip answer. Never used for a videoUrl (the video downloader builds its own requests, which never carry the key).
        /// </summary>
        public HttpRequestMessage CreateRequest(HttpMethod method, Uri uri, HttpContent? content)
        {
            var request = new HttpRequestMessage(method, uri) { Content = content };
            _key.Authorize(request, BaseUri);
            ContentCodings.AcceptGzip(request);
            return request;
        }

        /// <summary>
        /// Runs a transfer that is not a JSON call (the video download) through the same retry pipeline and budget as API
        /// calls: an attempt that throws a transient VeoException is retried after the pipeline's delay.
        /// </summary>
        public async Task RunTransferAsync(Func<CancellationToken, Task> attempt, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Budget.RecordCall();
            ResilienceContext context = RetryPipelineFactory.NewCallContext(cancellationToken);
            try
            {
                await _pipeline.ExecuteAsync(static (ctx, run) => new ValueTask(run(ctx.CancellationToken)), context, attempt).ConfigureAwait(false);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        public async Task<T> CallAsync<T>(ApiCall call, Func<JsonElement, T> parse, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Budget.RecordCall();
            var state = new CallState<T>(this, call, parse, cancellationToken);
            using var total = new CancellationTokenSource();
            TimeSpan totalLimit = Options.EffectiveTotalTimeout;
            if (!call.IsTransfer && totalLimit > TimeSpan.Zero && totalLimit != System.Threading.Timeout.InfiniteTimeSpan)
                total.CancelAfter(totalLimit);
            using var waits = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, total.Token);
            // A paid request already on the wire is not abandoned when the user stops: only the total timeout ends it,
            // so its answer (the uuid) can still be recorded. Waiting for a send slot or a retry ends at once.
            state.WireToken = call.IsGeneration ? total.Token : waits.Token;
            ResilienceContext context = RetryPipelineFactory.NewCallContext(waits.Token);
            try
            {
                ResiliencePipeline pipeline = call.SingleAttempt ? ResiliencePipeline.Empty : _pipeline;
                return await pipeline.ExecuteAsync(
                    static (ctx, s) => new ValueTask<T>(s.Transport.AttemptAsync(s, ctx.CancellationToken)),
                    context, state).ConfigureAwait(false);
            }
            catch (VeoException ex)
            {
                throw ex.WithAttempts(state.Attempts);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The total timeout fired while waiting between attempts or for a send slot. If the service kept saying
                // "slower", that is what the user should hear, not a timeout of ours.
                if (state.LastFailure is VeoException limited && limited.Kind == VeoErrorKind.RateLimited)
                    throw limited.WithAttempts(state.Attempts);
                throw VeoErrors.TotalTimeout(call.Operation, Options.EffectiveTotalTimeout, state.Attempts);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        /// <summary>What one logical call carries from attempt to attempt.</summary>
        private sealed class CallState<T>
        {
            public CallState(ApiTransport transport, ApiCall call, Func<JsonElement, T> parse, CancellationToken userToken)
            {
                Transport = transport;
                Call = call;
                Parse = parse;
                UserToken = userToken;
            }

            public ApiTransport Transport { get; }
            public ApiCall Call { get; }
            public Func<JsonElement, T> Parse { get; }
            public CancellationToken UserToken { get; }
            public CancellationToken WireToken { get; set; }
            public int Attempts { get; set; }
            public VeoException? LastFailure { get; set; }
        }

        private async Task<T> AttemptAsync<T>(CallState<T> state, CancellationToken waitToken)
        {
            ApiCall call = state.Call;
            int attempt = ++state.Attempts;
            double sentAt = await RateLimiter.AcquireAsync(waitToken).ConfigureAwait(false);
            try
            {
                return await AttemptCoreAsync(call, state.Parse, attempt, sentAt, state.WireToken, state.UserToken).ConfigureAwait(false);
            }
            catch (VeoException ex) when (call.IsGeneration && !ServerCannotHaveActed(ex))
            {
                throw state.LastFailure = VeoErrors.OutcomeUnknown(ex, call.RequestFingerprint ?? "");
            }
            catch (VeoException ex)
            {
                state.LastFailure = ex;
                throw;
            }
        }

        /// <summary>
        /// The generate rule: a refusal (1000-1003), a connection that never opened or a request that failed before it went
        /// on the wire cannot have charged, so it keeps its own kind (and the rate limit stays retryable); any other failure
        /// may have charged and becomes outcome-unknown.
        /// </summary>
        private static bool ServerCannotHaveActed(VeoException ex)
        {
            if (ex.RequestNeverSent) return true;
            switch (ex.Kind)
            {
                case VeoErrorKind.RateLimited:
                case VeoErrorKind.InvalidParameters:
                case VeoErrorKind.InsufficientCredits:
                case VeoErrorKind.AuthenticationFailed:
                    return true;
                default:
                    return false;
            }
        }

        private async Task<T> AttemptCoreAsync<T>(ApiCall call, Func<JsonElement, T> parse, int attempt, double sentAt, CancellationToken callToken, CancellationToken userToken)
        {
            var stopwatch = Stopwatch.StartNew();
            var outcome = new AttemptOutcome();
            using var watch = new AttemptWatch(callToken, Options.AttemptTimeout);
            try
            {
                using HttpRequestMessage request = BuildRequest(call, watch);
                LogRequest(call, request);
                using HttpResponseMessage response = await SendAsync(call, request, watch).ConfigureAwait(false);
                int status = (int)response.StatusCode;
                outcome.Status = status;
                TimeSpan? retryAfter = RetryAfterParser.Read(response, DateTimeOffset.UtcNow);
                if (call.IsTransfer) watch.Rearm(); // a transfer measures stalls; a JSON call has one limit for the whole attempt
                ArraySegment<byte> body = await ReadBodyAsync(call, response, status, watch).ConfigureAwait(false);
                LogResponse(response, status, body);
                return parse(InterpretPacing(status, body, retryAfter, sentAt));
            }
            catch (Exception ex) when (ex is OperationCanceledException || ex is IOException || ex is HttpRequestException)
            {
                Exception translated = Translate(ex, call, watch, callToken, userToken, outcome);
                if (ReferenceEquals(translated, ex)) throw;
                throw translated;
            }
            catch (VeoException ex)
            {
                outcome.Failure = ex.Kind;
                throw;
            }
            finally
            {
                if (VeoLogWriter.VerboseEnabled)
                    VeoLogWriter.Verbose(call.Method + " " + call.Uri.AbsolutePath + " -> " + outcome + " (attempt " + attempt +
                                         ", " + stopwatch.ElapsedMilliseconds + " ms)");
            }
        }

        private static void LogRequest(ApiCall call, HttpRequestMessage request)
        {
            if (VeoLogWriter.DebugEnabled)
                VeoLogWriter.Debug(() => "Request " + call.Method + " " + UrlRules.ShowUrl(call.Uri) + " headers: " +
                                         LogRedactor.Headers(request.Headers, request.Content?.Headers));
        }

        private static void LogResponse(HttpResponseMessage response, int status, ArraySegment<byte> body)
        {
            if (VeoLogWriter.DebugEnabled)
                VeoLogWriter.Debug(() => "Response " + status + " headers: " + LogRedactor.Headers(response.Headers, response.Content?.Headers) +
                                         " body: " + LogRedactor.Body(body, response.Content?.Headers.ContentType?.MediaType));
        }

        /// <summary>Sends the request and returns once the headers are in; a connection that never opened says so.</summary>
        private async Task<HttpResponseMessage> SendAsync(ApiCall call, HttpRequestMessage request, AttemptWatch watch)
        {
            try
            {
                return await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watch.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw VeoErrors.ConnectionFailed(call.Operation, ex, ConnectFailureDetector.ConnectionNeverOpened(ex));
            }
        }

        /// <summary>The body, bounded by the largest answer read; a body that breaks off is ConnectionFailed.</summary>
        private async Task<ArraySegment<byte>> ReadBodyAsync(ApiCall call, HttpResponseMessage response, int status, AttemptWatch watch)
        {
            try
            {
                return await BoundedContentReader.ReadAsync(response.Content, Options.MaxResponseBytes, status, watch.Token).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                // A body that says gzip but is not (or a coding not asked for). A success answer that cannot be read is
                // InvalidResponse (for a generation: outcome unknown); an error status keeps its own meaning.
                if (status >= 200 && status < 300) throw VeoErrors.InvalidResponse(ex.Message, status, ex);
                return new ArraySegment<byte>(Array.Empty<byte>());
            }
            catch (Exception ex) when (ex is HttpRequestException || ex is IOException)
            {
                throw VeoErrors.ConnectionFailed(call.Operation, ex, neverSent: false);
            }
        }

        /// <summary>
        /// What a cancellation or a broken connection during an attempt means: the user stopped (rethrown as it is, except for
        /// a generation, which finishes), the call's total limit, the attempt's own limit, or a network failure.
        /// </summary>
        private Exception Translate(Exception ex, ApiCall call, AttemptWatch watch, CancellationToken callToken, CancellationToken userToken, AttemptOutcome outcome)
        {
            if (ex is OperationCanceledException)
            {
                if (userToken.IsCancellationRequested && !call.IsGeneration)
                {
                    outcome.Note = "cancelled";
                    return ex;
                }
                if (callToken.IsCancellationRequested)
                {
                    outcome.Note = "total timeout";
                    return VeoErrors.TotalTimeout(call.Operation, Options.EffectiveTotalTimeout, 0, ex);
                }
                outcome.Note = "attempt timeout";
                return VeoErrors.AttemptTimeout(call.Operation, call.IsTransfer, watch.Limit, ex);
            }
            outcome.Note = "network error";
            return VeoErrors.ConnectionFailed(call.Operation, ex, neverSent: false);
        }

        /// <summary>How one attempt ended, for the verbose log: the HTTP status when one came, and the failure's kind.</summary>
        private sealed class AttemptOutcome
        {
            public int? Status { get; set; }
            public string? Note { get; set; }
            public VeoErrorKind? Failure { get; set; }

            public override string ToString()
            {
                if (Status.HasValue)
                    return Status.Value.ToString(CultureInfo.InvariantCulture) + (Failure.HasValue ? " " + Failure.Value : "");
                return Note ?? Failure?.ToString() ?? "no answer";
            }
        }

        /// <summary>Reads the answer and tells the rate limiter whether the service accepted or throttled the request.</summary>
        private JsonElement InterpretPacing(int status, ArraySegment<byte> body, TimeSpan? retryAfter, double sentAt)
        {
            try
            {
                JsonElement data = ApiResponseInterpreter.GetDataOrThrow(status, body, retryAfter);
                RateLimiter.OnAccepted(sentAt);
                return data;
            }
            catch (VeoException ex)
            {
                if (ex.Kind == VeoErrorKind.RateLimited) RateLimiter.OnThrottled(sentAt, ex.RetryAfter);
                else RateLimiter.OnAccepted(sentAt);
                throw;
            }
        }

        /// <summary>The attempt's request; whatever fails here failed before anything went on the wire, and says so.</summary>
        private HttpRequestMessage BuildRequest(ApiCall call, AttemptWatch watch)
        {
            try
            {
                HttpContent? content = call.CreateContent?.Invoke(watch);
                return CreateRequest(call.Method, call.Uri, content);
            }
            catch (VeoException ex)
            {
                throw ex.AsNeverSent();
            }
            catch (Exception ex) when (!(ex is OperationCanceledException) && !(ex is ObjectDisposedException))
            {
                throw VeoErrors.NotSent(call.Operation, ex);
            }
        }


        public void Dispose()
        {
            Http.Dispose();
            _key.Dispose();
        }
    }
}
