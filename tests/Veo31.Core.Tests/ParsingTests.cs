using System.Text;
using System.Text.Json;
using Veo31.Core.Errors;
using Veo31.Core.Json;
using Veo31.Core.Models;
using Xunit;

namespace Veo31.Core.Tests;

public class ParsingTests
{
    private static JsonElement Data(string json, int status = 200)
        => ApiResponseInterpreter.GetDataOrThrow(status, Encoding.UTF8.GetBytes(json), null);

    private static VeoException Error(string body, int status, TimeSpan? retryAfter = null)
        => Assert.Throws<VeoException>(() => ApiResponseInterpreter.GetDataOrThrow(status, Encoding.UTF8.GetBytes(body), retryAfter));

    [Fact]
    public void Documented_generate_answer_is_read()
    {
        var job = VideoJobParser.Parse(Data("""
            { "code": 0, "msg": "Success",
              "data": { "uuid": "video-uuid-123", "status": "pending", "generationType": "text_to_video",
                        "prompt": "Your video description", "aspectRatio": "16:9", "createdAt": "2025-10-16T10:00:00Z" } }
            """));
        Assert.Equal("video-uuid-123", job.Uuid);
        Assert.Equal(VideoStatus.Pending, job.Status);
        Assert.Equal("pending", job.RawStatus);
        Assert.Equal("text_to_video", job.GenerationType);
        Assert.Equal("Your video description", job.Prompt);
        Assert.Equal("16:9", job.AspectRatio);
        Assert.Equal(new DateTimeOffset(2025, 10, 16, 10, 0, 0, TimeSpan.Zero), job.CreatedAt);
        Assert.Null(job.Progress);
        Assert.Null(job.EstimatedTimeSeconds);
        Assert.Empty(job.AdditionalFields);
    }

    [Fact]
    public void Documented_status_answer_is_read()
    {
        var job = VideoJobParser.Parse(Data("""
            { "code": 0, "msg": "Success",
              "data": { "uuid": "video-uuid-123", "status": "processing", "videoUrl": "https://cdn/x.mp4", "progress": 85, "estimatedTime": 120 } }
            """));
        Assert.Equal(VideoStatus.Processing, job.Status);
        Assert.Equal("https://cdn/x.mp4", job.VideoUrl);
        Assert.Equal(85, job.Progress);
        Assert.Equal(120, job.EstimatedTimeSeconds);
    }

    [Theory]
    [InlineData("pending", VideoStatus.Pending)]
    [InlineData("processing", VideoStatus.Processing)]
    [InlineData("completed", VideoStatus.Completed)]
    [InlineData("failed", VideoStatus.Failed)]
    [InlineData("COMPLETED", VideoStatus.Completed)]
    [InlineData("queued_for_review", VideoStatus.Unknown)]
    public void Status_values_map_and_unknown_ones_are_kept(string raw, VideoStatus expected)
    {
        var job = VideoJobParser.Parse(Data($$"""{ "code": 0, "data": { "uuid": "u", "status": "{{raw}}" } }"""));
        Assert.Equal(expected, job.Status);
        Assert.Equal(raw, job.RawStatus);
    }

    [Fact]
    public void Wrong_but_readable_types_are_tolerated()
    {
        var job = VideoJobParser.Parse(Data("""{ "code": "0", "data": { "uuid": 123, "status": "processing", "progress": "85", "estimatedTime": 12.6 } }"""));
        Assert.Equal("123", job.Uuid);
        Assert.Equal(85, job.Progress);
        Assert.Equal(13, job.EstimatedTimeSeconds);
    }

    [Fact]
    public void Missing_and_null_optional_fields_are_null()
    {
        var job = VideoJobParser.Parse(Data("""{ "code": 0, "data": { "uuid": "u", "status": "pending", "progress": null, "videoUrl": null } }"""));
        Assert.Null(job.Progress);
        Assert.Null(job.VideoUrl);
        Assert.Null(job.CreatedAt);
        Assert.Null(job.FailureReason);
    }

    [Fact]
    public void Unknown_fields_are_kept_as_raw_json()
    {
        var job = VideoJobParser.Parse(Data("""{ "code": 0, "data": { "uuid": "u", "status": "pending", "seed": 42, "extra": { "a": [1, 2] }, "note": "hi" } }"""));
        Assert.Equal("42", job.AdditionalFields["seed"]);
        Assert.Equal("""{ "a": [1, 2] }""", job.AdditionalFields["extra"]);
        Assert.Equal("\"hi\"", job.AdditionalFields["note"]);
    }

    [Theory]
    [InlineData("failReason")]
    [InlineData("errorMessage")]
    [InlineData("error")]
    [InlineData("msg")]
    public void Failure_reason_comes_from_whichever_field_is_present(string field)
    {
        var job = VideoJobParser.Parse(Data($$"""{ "code": 0, "msg": "Success", "data": { "uuid": "u", "status": "failed", "{{field}}": "content policy" } }"""));
        Assert.Equal(VideoStatus.Failed, job.Status);
        Assert.Equal("content policy", job.FailureReason);
    }

    [Fact]
    public void Failure_reason_inside_an_error_object_is_read()
    {
        var job = VideoJobParser.Parse(Data("""{ "code": 0, "data": { "uuid": "u", "status": "failed", "error": { "message": "gpu lost" } } }"""));
        Assert.Equal("gpu lost", job.FailureReason);
    }

    [Theory]
    [InlineData("2025-10-16T10:00:00Z")]
    [InlineData("2025-10-16T12:00:00+02:00")]
    [InlineData("2025-10-16T10:00:00.000Z")]
    [InlineData("2025-10-16T10:00:00")]
    public void CreatedAt_iso8601_variants_are_read_as_utc(string text)
    {
        var job = VideoJobParser.Parse(Data($$"""{ "code": 0, "data": { "uuid": "u", "status": "pending", "createdAt": "{{text}}" } }"""));
        Assert.Equal(new DateTimeOffset(2025, 10, 16, 10, 0, 0, TimeSpan.Zero), job.CreatedAt!.Value.ToUniversalTime());
    }

    [Fact]
    public void Upload_answer_is_read()
    {
        var info = UploadedImageParser.Parse(Data("""{ "code": 0, "msg": "Upload successful", "data": { "imageUrl": "https://cdn/i.png", "imageKey": "r2-key-123" } }"""));
        Assert.Equal("https://cdn/i.png", info.ImageUrl);
        Assert.Equal("r2-key-123", info.ImageKey);
    }

    [Theory]
    [InlineData(1000, VeoErrorKind.InvalidParameters, 400)]
    [InlineData(1001, VeoErrorKind.InsufficientCredits, 402)]
    [InlineData(1002, VeoErrorKind.AuthenticationFailed, 401)]
    [InlineData(1003, VeoErrorKind.RateLimited, 429)]
    [InlineData(5000, VeoErrorKind.ServerError, 500)]
    [InlineData(1000, VeoErrorKind.InvalidParameters, 200)]
    [InlineData(1003, VeoErrorKind.RateLimited, 200)]
    [InlineData(5000, VeoErrorKind.ServerError, 200)]
    public void Error_codes_map_to_kinds_with_any_http_status(int code, VeoErrorKind kind, int status)
    {
        var ex = Error($$"""{ "code": {{code}}, "msg": "nope", "data": null }""", status);
        Assert.Equal(kind, ex.Kind);
        Assert.Equal(code, ex.ApiCode);
        Assert.Equal(status, ex.HttpStatus);
        Assert.Equal("nope", ex.ApiMessage);
    }

    [Fact]
    public void Insufficient_credits_carries_required_and_current()
    {
        var ex = Error("""{ "code": 1001, "msg": "Insufficient credits", "data": { "required": 2, "current": 0 } }""", 402);
        Assert.Equal(VeoErrorKind.InsufficientCredits, ex.Kind);
        Assert.Equal(2, ex.RequiredCredits);
        Assert.Equal(0, ex.CurrentCredits);
        Assert.Contains("required 2", ex.Message);
        Assert.Contains("current 0", ex.Message);
    }

    [Fact]
    public void Unknown_code_is_a_server_error_that_keeps_the_code()
    {
        var ex = Error("""{ "code": 4242, "msg": "new thing" }""", 200);
        Assert.Equal(VeoErrorKind.ServerError, ex.Kind);
        Assert.Equal(4242, ex.ApiCode);
        Assert.False(ex.IsTransient);
    }

    [Theory]
    [InlineData("<html><body>502 Bad Gateway</body></html>", 502, VeoErrorKind.ServerError)]
    [InlineData("", 503, VeoErrorKind.ServerError)]
    [InlineData("", 500, VeoErrorKind.ServerError)]
    [InlineData("Unauthorized", 401, VeoErrorKind.AuthenticationFailed)]
    [InlineData("", 429, VeoErrorKind.RateLimited)]
    [InlineData("<html>gateway</html>", 404, VeoErrorKind.ServerError)]
    public void Error_status_without_envelope_maps_by_status(string body, int status, VeoErrorKind kind)
    {
        var ex = Error(body, status, TimeSpan.FromSeconds(3));
        Assert.Equal(kind, ex.Kind);
        Assert.Equal(status, ex.HttpStatus);
        Assert.Null(ex.ApiCode);
    }

    [Fact]
    public void Rate_limit_keeps_retry_after_and_is_transient()
    {
        var ex = Error("""{ "code": 1003, "msg": "slow down" }""", 429, TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.FromSeconds(7), ex.RetryAfter);
        Assert.True(ex.IsTransient);
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("{\"code\":0,\"msg\":\"Success\",\"data\":{\"uuid\":\"abc\",\"sta")]
    [InlineData("{\"code\":0,\"msg\":\"Success\"}")]
    [InlineData("{\"code\":0,\"data\":null}")]
    [InlineData("{\"code\":0,\"data\":[1,2]}")]
    [InlineData("[1,2,3]")]
    [InlineData("\"just a string\"")]
    [InlineData("{\"msg\":\"no code\"}")]
    [InlineData("")]
    public void Malformed_success_answers_are_invalid_responses(string body)
    {
        var ex = Error(body, 200);
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
        Assert.False(ex.IsTransient);
    }

    [Theory]
    [InlineData("""{ "code": 0, "data": { "status": "pending" } }""")]
    [InlineData("""{ "code": 0, "data": { "uuid": { "id": 1 }, "status": "pending" } }""")]
    [InlineData("""{ "code": 0, "data": { "uuid": "u", "status": 3 } }""")]
    [InlineData("""{ "code": 0, "data": { "uuid": "u", "status": "processing", "progress": "eighty" } }""")]
    [InlineData("""{ "code": 0, "data": { "uuid": "u", "status": "processing", "progress": [85] } }""")]
    [InlineData("""{ "code": 0, "data": { "uuid": "u", "status": "completed", "videoUrl": { "href": "x" } } }""")]
    [InlineData("""{ "code": 0, "data": { "uuid": "", "status": "pending" } }""")]
    public void Unreadable_job_fields_are_invalid_responses(string body)
    {
        var ex = Assert.Throws<VeoException>(() => VideoJobParser.Parse(Data(body)));
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
    }

    [Theory]
    [InlineData("""{ "code": 0, "data": { "imageKey": "k" } }""")]
    [InlineData("""{ "code": 0, "data": { "imageUrl": "u", "imageKey": null } }""")]
    public void Upload_answer_without_url_or_key_is_invalid(string body)
    {
        var ex = Assert.Throws<VeoException>(() => UploadedImageParser.Parse(Data(body)));
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
    }

    [Fact]
    public void Success_code_with_error_status_is_a_server_error()
    {
        var ex = Error("""{ "code": 0, "data": { "uuid": "u" } }""", 503);
        Assert.Equal(VeoErrorKind.ServerError, ex.Kind);
        Assert.Equal(503, ex.HttpStatus);
    }
}
