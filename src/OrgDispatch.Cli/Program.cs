using System.CommandLine;
using OrgDispatch.Cli;

return CliApp.BuildRoot().Parse(args).Invoke();
