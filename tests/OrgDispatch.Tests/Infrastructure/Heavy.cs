namespace OrgDispatch.Tests.Infrastructure;

/// <summary>Tests that load the whole machine (dozens of processes racing): they run alone, after the
/// others, so that their load does not push unrelated tests past their timeouts.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Heavy
{
    public const string Name = "Heavy: runs alone";
}
