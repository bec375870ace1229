namespace OrgDispatch.Syntax;

/// <summary>What the reader needs to know that the text alone may not say: the TODO keywords
/// and whether <c>#+STARTUP: odd</c> is in force. Build one with
/// <see cref="OrgInBufferSettings.Read(ReadOnlySpan{byte}, OrgSyntaxOptions?)"/> to honour a
/// file's own settings.</summary>
/// <remarks>Immutable and thread-safe; build once and share.</remarks>
public sealed class OrgSyntaxOptions
{
    /// <summary>Org's defaults: <c>TODO | DONE</c>, all levels.</summary>
    public static OrgSyntaxOptions Default { get; } = new();

    /// <summary>The TODO keywords recognised on headlines.</summary>
    public TodoKeywordSet TodoKeywords { get; init; } = TodoKeywordSet.Default;

    /// <summary><c>#+STARTUP: odd</c>: a headline's level is <c>1 + stars / 2</c>.</summary>
    public bool OddLevelsOnly { get; init; }

    /// <summary>How many drawers and greater blocks may be open at once; deeper openers are
    /// read as paragraphs. Guards against hostile input. Default 32, range 1–32.</summary>
    public int MaxNesting
    {
        get => _maxNesting;
        init => _maxNesting = value is >= 1 and <= OrgReader.NestingLimit
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxNesting), value, $"MaxNesting must be between 1 and {OrgReader.NestingLimit}.");
    }

    private readonly int _maxNesting = OrgReader.NestingLimit;

    /// <summary>A headline's level from its number of stars, as <c>org-reduced-level</c> computes it.</summary>
    public int ReduceLevel(int stars) => stars == 0 ? 0 : OddLevelsOnly ? 1 + (stars / 2) : stars;
}
