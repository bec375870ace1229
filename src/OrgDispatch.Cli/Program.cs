using OrgDispatch.Cli;

return await CliApp.RunAsync(args);
