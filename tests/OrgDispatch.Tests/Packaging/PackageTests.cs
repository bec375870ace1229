using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Packaging;

/// <summary>The packages as a user gets them: both packed into a local feed, the tool installed from it
/// and run, and a fresh project that references the library compiling and running the README's example.
/// A unique prerelease version keeps NuGet's cache from ever serving an older build.</summary>
[Collection(Heavy.Name)]
public sealed partial class PackageTests : IDisposable
{
    private static readonly TimeSpan Build = TimeSpan.FromMinutes(5);
    private readonly TempDirectory _dir = new();
    private readonly string _version = "0.1.0-test." + Guid.NewGuid().ToString("N")[..12];

    public void Dispose() => _dir.Dispose();

    private string Feed => Path.Combine(_dir.Path, "feed");

    [Fact]
    public void The_library_package_declares_what_its_public_API_needs()
    {
        Pack("src/OrgDispatch/OrgDispatch.csproj", "-p:RepositoryUrl=https://example.invalid/orgdispatch.git");
        using ZipArchive package = ZipFile.OpenRead(Path.Combine(Feed, $"OrgDispatch.{_version}.nupkg"));
        XDocument nuspec = XDocument.Load(package.GetEntry("OrgDispatch.nuspec")!.Open());
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement metadata = nuspec.Root.Element(ns + "metadata")!;

        Assert.Equal(_version, metadata.Element(ns + "version")!.Value);
        // What the library references, each at its central version: logging (in the public API) and SSH.NET (the engine).
        List<XElement> dependencies = metadata.Descendants(ns + "dependency").ToList();
        Assert.Equal(["Microsoft.Extensions.Logging.Abstractions", "SSH.NET"], dependencies.Select(d => d.Attribute("id")!.Value));
        Assert.All(dependencies, d => Assert.Equal(CentralVersion(d.Attribute("id")!.Value), d.Attribute("version")!.Value));
        Assert.All(dependencies, d => Assert.Equal("net10.0", d.Parent!.Attribute("targetFramework")!.Value));
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        Assert.NotNull(package.GetEntry("lib/net10.0/OrgDispatch.dll"));
        Assert.NotNull(package.GetEntry("lib/net10.0/OrgDispatch.xml"));
        // On the package page the README's relative links point into the repository at the packed commit.
        string readme = new StreamReader(package.GetEntry("README.md")!.Open()).ReadToEnd();
        Assert.Matches(@"\]\(https://example\.invalid/orgdispatch/blob/[0-9a-f]{40}/docs/cli\.md\)", readme);
        Assert.DoesNotContain("](docs/", readme, StringComparison.Ordinal);
        Assert.Contains("Deployed; smoke tests green.", readme, StringComparison.Ordinal); // text intact, semicolons and all
        Assert.Equal("icon.png", metadata.Element(ns + "icon")!.Value);
        using (var icon = new BinaryReader(package.GetEntry("icon.png")!.Open()))
        {
            byte[] header = icon.ReadBytes(24); // PNG signature, IHDR length and type, then width and height
            Assert.Equal((128, 128), (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(20))));
        }
        Assert.Null(package.GetEntry("lib/net10.0/OrgDispatch.pdb")); // the pdb is in the symbols package
        using ZipArchive symbols = ZipFile.OpenRead(Path.Combine(Feed, $"OrgDispatch.{_version}.snupkg"));
        Assert.NotNull(symbols.GetEntry("lib/net10.0/OrgDispatch.pdb"));
    }

    [Fact]
    public void The_tool_installs_from_a_feed_prints_its_version_and_claims_a_task()
    {
        Pack("src/OrgDispatch.Cli/OrgDispatch.Cli.csproj");
        string tools = Path.Combine(_dir.Path, "tools");
        Dotnet(_dir.Path, "tool", "install", "OrgDispatch.Cli", "--tool-path", tools, "--add-source", Feed, "--version", _version);
        string tool = Path.Combine(tools, "org-dispatch");

        Assert.Equal(_version, Run(tool, _dir.Path, "--version").Trim());
        string file = _dir.File("dispatch.org");
        File.WriteAllText(file, DispatchFiles.Pending(1, "timmy"));
        string claimed = Run(tool, _dir.Path, "next", "--agent", "timmy", "--file", file, "--json");
        Assert.Contains("\"id\": \"TASK-0001\"", claimed, StringComparison.Ordinal);
        Assert.Contains(":CLAIMED_BY: timmy", File.ReadAllText(file), StringComparison.Ordinal);
    }

    [Fact]
    public void A_fresh_project_compiles_and_runs_the_readme_example_against_the_package()
    {
        Pack("src/OrgDispatch/OrgDispatch.csproj");
        string project = Directory.CreateDirectory(Path.Combine(_dir.Path, "consumer")).FullName;
        File.WriteAllText(Path.Combine(project, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="OrgDispatch" Version="{_version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), FirstReadmeExample());
        File.WriteAllText(Path.Combine(project, "dispatch.org"), DispatchFiles.Pending(1, "timmy"));

        Dotnet(project, "restore", "--source", Feed, "--source", GlobalPackages());
        Dotnet(project, "run", "--no-restore");

        // The SSH.NET engine's assembly came along with the package, as a user's build gets it.
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(project, "bin"), "Renci.SshNet.dll", SearchOption.AllDirectories));
        string after = File.ReadAllText(Path.Combine(project, "dispatch.org"));
        Assert.Contains("* DONE Task number 1", after, StringComparison.Ordinal);
        Assert.Contains("Deployed; smoke tests green.", after, StringComparison.Ordinal);
    }

    // The first C# block of the README, verbatim, so the README cannot drift from the package.
    private static string FirstReadmeExample()
    {
        string readme = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "README.md"));
        return CSharpBlock().Match(readme) is { Success: true } m ? m.Groups["code"].Value : throw new InvalidOperationException("README.md has no ```csharp block.");
    }

    private void Pack(string project, params string[] properties) =>
        Dotnet(TestEnvironment.RepoRoot, ["pack", project, "-c", "Release", "-o", Feed, "-p:Version=" + _version, .. properties]);

    private static string CentralVersion(string id)
    {
        XDocument props = XDocument.Load(Path.Combine(TestEnvironment.RepoRoot, "Directory.Packages.props"));
        return props.Descendants("PackageVersion").Single(e => e.Attribute("Include")!.Value == id).Attribute("Version")!.Value;
    }

    // Where restore finds the library's dependencies already on this machine (NuGet's own cache is a feed).
    private static string GlobalPackages() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static void Dotnet(string workingDirectory, params string[] args) => Run("dotnet", workingDirectory, args);

    private static string Run(string program, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory };
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var (code, output, error) = ProcessRunner.Exec(start, Build);
        Assert.True(code == 0, $"{program} {string.Join(' ', args)} exited {code}:\n{error}\n{output}");
        return output;
    }

    [GeneratedRegex("```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
