using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Veo31.Core.Errors;
using Veo31.Core.Http;
using Veo31.Core.Jobs;
using Veo31.Core.Json;
using Veo31.Core.Models;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>The rules by which answers are read: the envelope, job and upload data, statuses, timestamps and Retry-After.</summary>
public class ParserRuleTests
{
    private static JsonElement Data(string json, int status = 200)
        => ApiResponseInterpreter.GetDataOrThrow(status, Encoding.UTF8.GetBytes(json), null);

    private static VeoException Error(string body, int status, TimeSpan? retryAfter = null)
        => Assert.Throws<VeoException>(() => ApiResponseInterpreter.GetDataOrThrow(status, Encoding.UTF8.GetBytes(body), retryAfter));

    private static VideoJobInfo Job(string dataJson) => VideoJobParser.Parse(Data("{\"code\":0,\"data\":" + dataJson + "}"));

    private static JsonElement Element(string json) => JsonDocument.Parse(json).RootElement.Clone();

    // ---- The envelope.

    [Theory]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(299)]
    public void Data_is_returned_only_for_a_2xx_answer_with_code_0(int status)
        => Assert.Equal("u", Data("{\"code\":0,\"data\":{\"uuid\":\"u\"}}", status).GetProperty("uuid").GetString());

    [Theory]
    [InlineData(199, VeoErrorKind.ServerError)]
    [InlineData(300, VeoErrorKind.ServerError)]
    [InlineData(302, VeoErrorKind.ServerError)]
    [InlineData(403, VeoErrorKind.AuthenticationFailed)]
    public void Code_0_with_a_status_outside_2xx_is_an_error_by_status(int status, VeoErrorKind kind)
    {
        var ex = Error("{\"code\":0,\"data\":{\"uuid\":\"u\"}}", status);
        Assert.Equal((kind, (int?)status), (ex.Kind, ex.HttpStatus));
        Assert.Null(ex.ApiCode);
    }

    [Theory]
    [InlineData("", "the body is empty")]
    [InlineData("not json", "the body is not valid JSON")]
    [InlineData("[1]", "the body is not a JSON object")]
    [InlineData("{\"msg\":\"x\"}", "the body has no numeric code")]
    [InlineData("{\"code\":null}", "the body has no numeric code")]
    [InlineData("{\"code\":\"zero\"}", "the body has no numeric code")]
    [InlineData("{\"code\":0}", "data is missing in a success answer")]
    [InlineData("{\"code\":0,\"data\":\"x\"}", "data is a string in a success answer")]
    public void A_success_status_with_an_unreadable_body_says_what_is_wrong(string body, string problem)
    {
        var ex = Error(body, 200);
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
        Assert.EndsWith(problem, ex.Message);
        Assert.Equal(200, ex.HttpStatus);
    }

    [Fact]
    public void The_envelope_tolerates_comments_trailing_commas_string_codes_and_other_letter_cases()
    {
        Assert.Equal("u", Data("{ /* c */ \"CODE\": \"0\", \"Data\": {\"uuid\":\"u\",}, }").GetProperty("uuid").GetString());
        var ex = Error("{\"Code\": 1002.0, \"MSG\": \"bad key\"}", 401);
        Assert.Equal((VeoErrorKind.AuthenticationFailed, 1002, "bad key"), (ex.Kind, ex.ApiCode, ex.ApiMessage));
        Assert.Null(Error("{\"code\": 1000}", 400).ApiMessage);
    }

    [Fact]
    public void An_envelope_nested_deeper_than_64_is_not_read()
    {
        string deep = "{\"code\":0,\"data\":" + new string('[', 70) + new string(']', 70) + "}";
        Assert.EndsWith("the body is not valid JSON", Error(deep, 200).Message);
    }

    [Theory]
    [InlineData("{\"required\":\"5\",\"current\":1.4}", 5, 1)]
    [InlineData("{\"required\":null}", null, null)]
    [InlineData("{\"required\":\"lots\",\"current\":[1]}", null, null)]
    [InlineData("[5, 1]", null, null)]
    [InlineData("null", null, null)]
    public void Credits_are_read_from_data_when_they_are_numbers(string data, int? required, int? current)
    {
        var ex = Error("{\"code\":1001,\"data\":" + data + "}", 402);
        Assert.Equal((required, current), (ex.RequiredCredits, ex.CurrentCredits));
    }

    [Fact]
    public void An_error_code_keeps_the_retry_after_it_came_with()
        => Assert.Equal(TimeSpan.FromSeconds(9), Error("{\"code\":5000}", 500, TimeSpan.FromSeconds(9)).RetryAfter);

    // ---- Numbers and texts.

    [Theory]
    [InlineData("85", 85)]
    [InlineData("85.4", 85)]
    [InlineData("85.6", 86)]
    [InlineData("-3", -3)]
    [InlineData("\" 12 \"", 12)]
    [InlineData("\"1e2\"", 100)]
    [InlineData("2147483647", int.MaxValue)]
    [InlineData("-2147483648", int.MinValue)]
    [InlineData("2147483647.0", int.MaxValue)]
    [InlineData("\"2147483647\"", int.MaxValue)]
    public void A_number_may_come_as_a_number_or_a_numeric_string(string json, int expected)
    {
        Assert.True(JsonValues.TryReadInt(Element(json), out int? value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"\"")]
    [InlineData("\"  \"")]
    public void A_null_or_blank_number_is_absent(string json)
    {
        Assert.True(JsonValues.TryReadInt(Element(json), out int? value));
        Assert.Null(value);
    }

    [Theory]
    [InlineData("2147483648")]
    [InlineData("-2147483649")]
    [InlineData("1e300")]
    [InlineData("\"2147483648\"")]
    [InlineData("\"-2147483649\"")]
    [InlineData("\"NaN\"")]
    [InlineData("\"eighty\"")]
    [InlineData("true")]
    [InlineData("{}")]
    public void A_number_out_of_range_or_not_a_number_is_unreadable(string json)
    {
        Assert.False(JsonValues.TryReadInt(Element(json), out int? value));
        Assert.Null(value);
    }

    [Theory]
    [InlineData("\"abc\"", "abc")]
    [InlineData("123", "123")]
    [InlineData("1.50", "1.50")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    [InlineData("null", null)]
    [InlineData("{}", null)]
    [InlineData("[]", null)]
    public void A_text_may_come_as_a_string_number_or_boolean(string json, string? text)
        => Assert.Equal(text, JsonValues.ReadText(Element(json)));

    [Fact]
    public void A_string_or_name_that_cannot_be_decoded_is_kept_escaped_rather_than_thrown()
    {
        JsonElement e = Element("{\"\\ud800x\": \"a\\ud800b\"}");
        JsonProperty p = e.EnumerateObject().Single();
        Assert.Equal("(unreadable name)", JsonValues.NameOf(p));
        Assert.Equal("a\\ud800b", JsonValues.ReadString(p.Value));
        Assert.Equal("ok", JsonValues.NameOf(Element("{\"ok\":1}").EnumerateObject().Single()));
    }

    // ---- Job data.

    [Theory]
    [InlineData("{\"uuid\":\"  \",\"status\":\"pending\"}", "data.uuid is missing or not a string")]
    [InlineData("{\"uuid\":null,\"status\":\"pending\"}", "data.uuid is missing or not a string")]
    [InlineData("{\"uuid\":[\"u\"],\"status\":\"pending\"}", "data.uuid is missing or not a string")]
    [InlineData("{\"uuid\":\"u\\u0000\\r\\n1\",\"status\":\"pending\"}", "data.uuid contains control characters")]
    [InlineData("{\"uuid\":\"u\",\"status\":{\"s\":1}}", "data.status is an object, expected a string")]
    [InlineData("{\"uuid\":\"u\",\"status\":true}", "data.status is a boolean, expected a string")]
    [InlineData("{\"uuid\":\"u\",\"prompt\":[1]}", "data.prompt is an array, expected a string")]
    [InlineData("{\"uuid\":\"u\",\"progress\":\"most\"}", "data.progress is a string, expected a number")]
    [InlineData("{\"uuid\":\"u\",\"estimatedTime\":{}}", "data.estimatedTime is an object, expected a number")]
    public void A_job_id_that_cannot_be_sent_back_or_a_field_of_the_wrong_shape_is_an_invalid_answer(string data, string problem)
    {
        var ex = Assert.Throws<VeoException>(() => Job(data));
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
        Assert.EndsWith(problem, ex.Message);
    }

    [Theory]
    [InlineData("[]", "data is an array, expected an object")]
    [InlineData("5", "data is a number, expected an object")]
    public void Job_data_must_be_an_object(string data, string problem)
        => Assert.EndsWith(problem, Assert.Throws<VeoException>(() => VideoJobParser.Parse(Element(data))).Message);

    [Theory]
    [InlineData("{\"uuid\":\"u\"}")]
    [InlineData("{\"uuid\":\"u\",\"status\":null}")]
    public void A_job_without_a_status_is_unknown_and_keeps_polling(string data)
    {
        VideoJobInfo job = Job(data);
        Assert.Equal((VideoStatus.Unknown, (string?)null), (job.Status, job.RawStatus));
    }

    [Theory]
    [InlineData(1, "1970-01-01T00:00:01+00:00")]
    [InlineData(1760608800, "2025-10-16T10:00:00+00:00")]
    [InlineData(253402300798, "9999-12-31T23:59:58+00:00")]
    public void A_timestamp_may_be_unix_seconds(long seconds, string expected)
        => Assert.Equal(DateTimeOffset.Parse(expected), Job("{\"uuid\":\"u\",\"createdAt\":" + seconds + "}").CreatedAt);

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("253402300799")]
    [InlineData("99999999999999")]
    [InlineData("1.5")]
    [InlineData("\"yesterday\"")]
    [InlineData("\"\"")]
    [InlineData("true")]
    [InlineData("{\"t\":1}")]
    [InlineData("null")]
    public void An_unreadable_timestamp_leaves_the_date_empty_and_keeps_the_job(string value)
    {
        VideoJobInfo job = Job("{\"uuid\":\"u\",\"status\":\"pending\",\"createdAt\":" + value + "}");
        Assert.Equal(("u", (DateTimeOffset?)null), (job.Uuid, job.CreatedAt));
    }

    [Fact]
    public void A_timestamp_with_an_offset_is_turned_into_UTC_and_one_without_is_taken_as_UTC()
    {
        DateTimeOffset withOffset = Job("{\"uuid\":\"u\",\"createdAt\":\"2025-10-16T12:00:00+02:00\"}").CreatedAt!.Value;
        Assert.Equal((new DateTime(2025, 10, 16, 10, 0, 0), TimeSpan.Zero), (withOffset.DateTime, withOffset.Offset));
        DateTimeOffset bare = Job("{\"uuid\":\"u\",\"createdAt\":\"2025-10-16T10:00:00\"}").CreatedAt!.Value;
        Assert.Equal((new DateTime(2025, 10, 16, 10, 0, 0), TimeSpan.Zero), (bare.DateTime, bare.Offset));
    }

    [Theory]
    [InlineData("{\"failReason\":\"a\",\"errorMessage\":\"b\",\"error\":\"c\",\"msg\":\"d\"}", "a")]
    [InlineData("{\"errorMessage\":\"b\",\"error\":\"c\",\"msg\":\"d\"}", "b")]
    [InlineData("{\"failReason\":\"  \",\"error\":\"c\",\"msg\":\"d\"}", "c")]
    [InlineData("{\"failReason\":null,\"msg\":\"d\"}", "d")]
    [InlineData("{\"error\":{\"code\":7}}", "{\"code\":7}")]
    [InlineData("{\"error\":{\"message\":\"\"},\"msg\":\"d\"}", "d")]
    [InlineData("{\"error\":[\"x\",\"y\"]}", "[\"x\",\"y\"]")]
    [InlineData("{\"error\":404}", "404")]
    [InlineData("{}", null)]
    public void The_failure_reason_is_the_first_field_that_says_something(string fields, string? reason)
    {
        string data = "{\"uuid\":\"u\",\"status\":\"failed\"," + fields.Substring(1);
        if (fields == "{}") data = "{\"uuid\":\"u\",\"status\":\"failed\"}";
        Assert.Equal(reason, Job(data).FailureReason);
    }

    [Fact]
    public void Fields_the_contract_names_are_not_repeated_as_additional_ones_whatever_their_case()
    {
        VideoJobInfo job = Job("{\"UUID\":\"u\",\"Status\":\"pending\",\"Progress\":5,\"msg\":\"m\",\"seed\":1,\"Seed\":2}");
        Assert.Equal("u", job.Uuid);
        Assert.Equal(5, job.Progress);
        Assert.Equal(new[] { "Seed", "seed" }, job.AdditionalFields.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(("1", "2"), (job.AdditionalFields["seed"], job.AdditionalFields["Seed"]));
    }

    [Fact]
    public void A_repeated_additional_field_keeps_its_first_value()
        => Assert.Equal("1", Job("{\"uuid\":\"u\",\"x\":1,\"x\":2}").AdditionalFields["x"]);

    // ---- Statuses.

    [Theory]
    [InlineData(" Pending ", false, VideoStatus.Pending)]
    [InlineData("PROCESSING", true, VideoStatus.Processing)]
    [InlineData("Completed", true, VideoStatus.Completed)]
    [InlineData("failed", false, VideoStatus.Failed)]
    [InlineData("cancelled", false, VideoStatus.Failed)]
    [InlineData("Canceled", false, VideoStatus.Failed)]
    [InlineData("EXPIRED", false, VideoStatus.Failed)]
    [InlineData("error", false, VideoStatus.Failed)]
    [InlineData("rejected", false, VideoStatus.Failed)]
    [InlineData("queued", false, VideoStatus.Unknown)]
    [InlineData("queued", true, VideoStatus.Failed)]
    [InlineData("", true, VideoStatus.Unknown)]
    [InlineData("  ", true, VideoStatus.Unknown)]
    [InlineData(null, true, VideoStatus.Unknown)]
    [InlineData(null, false, VideoStatus.Unknown)]
    public void A_status_is_a_failure_when_it_says_so_or_carries_a_reason_and_otherwise_keeps_polling(string? raw, bool hasReason, VideoStatus expected)
        => Assert.Equal(expected, JobStatusRules.Classify(raw, hasReason));

    [Theory]
    [InlineData(VideoStatus.Failed, null, true, false)]
    [InlineData(VideoStatus.Completed, "https://cdn/v.mp4", true, false)]
    [InlineData(VideoStatus.Completed, null, false, true)]
    [InlineData(VideoStatus.Completed, "", false, true)]
    [InlineData(VideoStatus.Processing, "https://cdn/v.mp4", false, false)]
    [InlineData(VideoStatus.Unknown, null, false, false)]
    public void A_job_is_finished_when_it_failed_or_completed_with_a_URL(VideoStatus status, string? url, bool finished, bool completedWithoutUrl)
    {
        var job = new VideoJobInfo { Uuid = "u", Status = status, VideoUrl = url };
        Assert.Equal(finished, JobStatusRules.IsFinished(job));
        Assert.Equal(completedWithoutUrl, JobStatusRules.IsCompletedWithoutUrl(job));
    }

    // ---- Upload data.

    [Theory]
    [InlineData("{\"imageUrl\":\"https://cdn/i.png\",\"imageKey\":\"  \"}", "data.imageKey is missing or not a string")]
    [InlineData("{\"imageUrl\":\"https://cdn/i.png\",\"imageKey\":{\"k\":1}}", "data.imageKey is missing or not a string")]
    [InlineData("{\"imageUrl\":\"https://cdn/i.png\",\"imageKey\":\"k\\u0007ey\"}", "data.imageKey contains control characters")]
    [InlineData("{\"imageKey\":\"k\"}", "data.imageUrl is missing or not a string")]
    [InlineData("[1]", "data is an array, expected an object")]
    public void An_upload_answer_without_a_usable_url_and_key_is_invalid(string data, string problem)
    {
        var ex = Assert.Throws<VeoException>(() => UploadedImageParser.Parse(Element(data)));
        Assert.Equal(VeoErrorKind.InvalidResponse, ex.Kind);
        Assert.EndsWith(problem, ex.Message);
    }

    [Fact]
    public void An_upload_key_sent_as_a_number_is_read_as_its_text()
    {
        UploadedImageInfo info = UploadedImageParser.Parse(Element("{\"IMAGEURL\":\"https://cdn/i.png\",\"imageKey\":12345}"));
        Assert.Equal(("https://cdn/i.png", "12345"), (info.ImageUrl, info.ImageKey));
    }

    // ---- Retry-After.

    private static HttpResponseMessage WithRetryAfter(string? value)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        if (value != null) response.Headers.TryAddWithoutValidation("Retry-After", value);
        return response;
    }

    private static readonly DateTimeOffset Now = new(2025, 10, 16, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("0", 0)]
    [InlineData("7", 7)]
    [InlineData("Thu, 16 Oct 2025 10:00:30 GMT", 30)]
    [InlineData("Thu, 16 Oct 2025 10:00:00 GMT", 0)]
    [InlineData("Thu, 16 Oct 2025 09:59:00 GMT", 0)]
    public void Retry_after_is_delta_seconds_or_a_date_and_never_negative(string header, int seconds)
        => Assert.Equal(TimeSpan.FromSeconds(seconds), RetryAfterParser.Read(WithRetryAfter(header), Now));

    [Theory]
    [InlineData(null)]
    [InlineData("soon")]
    [InlineData("-5")]
    public void Retry_after_that_is_absent_or_unreadable_is_no_advice(string? header)
        => Assert.Null(RetryAfterParser.Read(WithRetryAfter(header), Now));
}
