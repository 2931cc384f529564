namespace Ferry.Engine.Target;

/// <summary>What happens to one event of a table, depending on the table's state (<see cref="CopyHandover"/>).</summary>
public enum HandoverAction
{
    /// <summary>Apply it to the target table.</summary>
    Apply,

    /// <summary>Drop it: the copy holds (or will hold) its effect, or the table is not being replicated.</summary>
    Skip,

    /// <summary>Store it on the target as pending until the running copy knows its snapshot.</summary>
    Keep,
}
