using BenchmarkDotNet.Running;

// `dotnet run -c Release -- --filter '*'`; `--job Dry` for a smoke run.
BenchmarkSwitcher.FromAssembly(typeof(OrgDispatch.Benchmarks.Inputs).Assembly).Run(args);
