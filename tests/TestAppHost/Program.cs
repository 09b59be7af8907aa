namespace Imaging.TestAppHost;

/// <summary>Nothing to run: the tests build their models with DistributedApplicationTestingBuilder.Create().</summary>
internal static class EmptyAppHost
{
    private static void Main(string[] args) => DistributedApplication.CreateBuilder(args).Build().Run();
}
