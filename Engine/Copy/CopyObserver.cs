namespace Ferry.Engine.Copy;

/// <summary>
/// What a <see cref="CopyCoordinator"/> tells its owner besides its logs (the runner feeds Ferry's meter with it):
/// each progress report (from the copy's thread), each copy that ended (done or failed), and each failure
/// (<c>transient</c> true when it runs again after <see cref="CopyOptions.RetryDelay"/>).
/// </summary>
public sealed record CopyObserver(Action<CopyProgress> Progress, Action<string> Ended, Action<string, bool> Failed);
