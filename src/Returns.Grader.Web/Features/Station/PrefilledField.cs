namespace Returns.Grader.Web.Features.Station;

/// <summary>
/// A form field the station may fill in for the associate. Until they set it, it follows whatever the station suggests
/// now (a later photo can change the suggestion, or withdraw it); once they have set it, it is theirs and only they
/// change it. Saved untouched, it is recorded as prefilled, never as their choice (issue 17).
/// </summary>
public sealed class PrefilledField<T> where T : struct
{
    public T? Value { get; private set; }

    /// <summary>The associate set it (a click, a key, a choice in a list).</summary>
    public bool Chosen { get; private set; }

    /// <summary>It has a value the associate did not set.</summary>
    public bool Prefilled => Value is not null && !Chosen;

    /// <summary>The station's current suggestion (null: none); ignored once the associate has chosen.</summary>
    public void Suggest(T? value)
    {
        if (!Chosen)
        {
            Value = value;
        }
    }

    public void Choose(T? value)
    {
        Value = value;
        Chosen = value is not null;
    }

    public void Clear()
    {
        Value = null;
        Chosen = false;
    }
}
