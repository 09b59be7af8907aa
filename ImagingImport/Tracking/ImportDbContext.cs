namespace Imaging.ImagingImport.Tracking;

/// <summary>ImagingImport's own database (importdb): projects and the import state of every study.</summary>
public sealed class ImportDbContext(DbContextOptions<ImportDbContext> options) : DbContext(options)
{
    public DbSet<ImportProject> Projects => Set<ImportProject>();

    public DbSet<StudyImport> Studies => Set<StudyImport>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<ImportProject>(e =>
        {
            e.ToTable("import_projects");
            e.HasKey(p => p.ProjectId);
        });
        model.Entity<StudyImport>(e =>
        {
            e.ToTable("study_imports");
            e.Property(s => s.Status).HasConversion<string>();
            e.HasIndex(s => new { s.ProjectId, s.StudyInstanceUid }).IsUnique();
            e.HasIndex(s => new { s.ProjectId, s.CohortHash, s.Status });
            // The importers' claim: due queued studies, oldest first.
            e.HasIndex(s => new { s.Status, s.NextAttemptAt });
        });

        // snake_case columns, as the source platform's schema.
        model.UseSnakeCaseColumns();
    }
}

/// <summary>Lets `dotnet ef` build the model without the app host's connection string.</summary>
internal sealed class DesignTimeFactory : Microsoft.EntityFrameworkCore.Design.IDesignTimeDbContextFactory<ImportDbContext>
{
    public ImportDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ImportDbContext>().UseNpgsql("Host=localhost;Database=importdb").Options);
}
