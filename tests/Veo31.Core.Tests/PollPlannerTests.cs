using Veo31.Core.Jobs;
using Veo31.Core.Models;
using Xunit;

namespace Veo31.Core.Tests;

/// <summary>When the next poll of a job is planned.</summary>
public class PollPlannerTests
{
    private const double Interval = 5, MaxInterval = 60;

    private static PollState Polled(double at, int? estimated = null, int? progress = null, double? submitted = null)
    {
        var state = new PollState("u") { LastPollAt = at, SubmittedAt = submitted };
        state.Observe(new VideoJobInfo { Uuid = "u", Status = VideoStatus.Processing, EstimatedTimeSeconds = estimated, Progress = progress }, at);
        return state;
    }

    [Fact]
    public void A_job_never_polled_is_polled_now()
        => Assert.Equal(3.0, PollPlanner.Next(new PollState("u"), 3, Interval, MaxInterval, null));

    [Fact]
    public void Without_any_hint_the_next_poll_is_one_interval_after_the_last()
        => Assert.Equal(15.0, PollPlanner.Next(Polled(10), 10, Interval, MaxInterval, null));

    [Fact]
    public void An_estimate_longer_than_the_interval_plans_the_poll_just_after_it()
        => Assert.Equal(10 + 30 + PollPlanner.Margin, PollPlanner.Next(Polled(10, estimated: 30), 10, Interval, MaxInterval, null), 6);

    [Fact]
    public void An_estimate_shorter_than_the_interval_never_polls_sooner_than_the_interval()
        => Assert.Equal(15.0, PollPlanner.Next(Polled(10, estimated: 1), 10, Interval, MaxInterval, null));

    [Fact]
    public void A_long_estimate_is_capped_by_the_maximum_interval()
        => Assert.Equal(70.0, PollPlanner.Next(Polled(10, estimated: 3600), 10, Interval, MaxInterval, null));

    [Fact]
    public void The_progress_rate_estimates_the_end_when_two_answers_show_progress()
    {
        var state = Polled(10, progress: 20);
        state.Observe(new VideoJobInfo { Uuid = "u", Status = VideoStatus.Processing, Progress = 40 }, 20);
        state.LastPollAt = 20;
        // 20 points in 10 s: 60 points left take 30 s.
        Assert.Equal(50 + PollPlanner.Margin, PollPlanner.Next(state, 20, Interval, MaxInterval, null), 6);
    }

    [Fact]
    public void A_job_that_told_nothing_borrows_what_the_session_learned()
    {
        var state = new PollState("u") { LastPollAt = 0, SubmittedAt = 0 };
        Assert.Equal(20 + PollPlanner.Margin, PollPlanner.Next(state, 0, Interval, MaxInterval, learnedDuration: 20), 6);
    }

    [Fact]
    public void Its_own_estimate_wins_over_what_the_session_learned()
        => Assert.Equal(10 + 8 + PollPlanner.Margin, PollPlanner.Next(Polled(10, estimated: 8, submitted: 0), 10, Interval, MaxInterval, learnedDuration: 100), 6);

    [Fact]
    public void A_plan_already_past_is_now()
        => Assert.Equal(100.0, PollPlanner.Next(Polled(10), 100, Interval, MaxInterval, null));

    [Fact]
    public void The_learner_gives_the_median_and_one_probe_at_a_time()
    {
        var learner = new DurationLearner();
        var fresh = new PollState("u") { LastPollAt = 0, SubmittedAt = 0 };
        Assert.True(learner.ShouldProbe(fresh));
        Assert.True(learner.TryBeginProbe(out _));
        Assert.False(learner.TryBeginProbe(out var waiting));
        learner.Observe(0, 20);
        learner.EndProbe(learned: true);
        Assert.True(waiting.IsCompleted);
        Assert.Null(learner.Duration);
        Assert.True(learner.ShouldProbe(fresh), "one estimate is not yet a lesson");
        learner.Observe(0, 22); learner.Observe(0, 18);
        Assert.Equal(20, learner.Duration);
        Assert.False(learner.ShouldProbe(fresh));
    }

    [Fact]
    public void Estimates_that_disagree_lend_nothing()
    {
        var learner = new DurationLearner();
        learner.Observe(0, 2.5); learner.Observe(0, 0.3); learner.Observe(0, 1.2);
        Assert.Null(learner.Duration);
        Assert.False(learner.ShouldProbe(new PollState("u") { LastPollAt = 0, SubmittedAt = 0 }));
    }

    [Fact]
    public void A_probe_answered_without_any_estimate_stops_further_probing()
    {
        var learner = new DurationLearner();
        var fresh = new PollState("u") { LastPollAt = 0, SubmittedAt = 0 };
        Assert.True(learner.TryBeginProbe(out _));
        learner.EndProbe(learned: false);
        Assert.False(learner.ShouldProbe(fresh));
        learner.Observe(0, 12); learner.Observe(0, 12); learner.Observe(0, 12);
        Assert.False(learner.ShouldProbe(fresh), "with a duration known there is nothing to probe");
    }
}
