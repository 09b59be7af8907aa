namespace AppHost.Hosting;

/// <summary>Where a service project and its built output live; generated per referenced project (Projects.*).</summary>
public interface IProjectMetadata
{
    string ProjectPath { get; }

    string TargetPath { get; }
}
