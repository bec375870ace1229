using FsCheck;

namespace OrgDispatch.Tests.Infrastructure;

/// <summary>The one FsCheck configuration the property tests share: throw on failure (so xUnit reports
/// the counterexample and its replay seed), quiet on success, a fixed number of cases per property.</summary>
internal static class Properties
{
    public static Config Config(int cases) => FsCheck.Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true);
}
