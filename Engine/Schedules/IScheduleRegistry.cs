namespace Ferry.Engine.Schedules;

/// <summary>Where schedules run: the portal registers each one as a Hangfire recurring job.</summary>
public interface IScheduleRegistry
{
    /// <summary>Creates or replaces the recurring job of <paramref name="schedule"/>; a disabled schedule has none.</summary>
    void Register(ScheduleView schedule);

    /// <summary>Removes the recurring job of schedule <paramref name="scheduleId"/>, if any.</summary>
    void Remove(int scheduleId);
}
