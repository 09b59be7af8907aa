namespace Imaging.ResultsApi.Data;

/// <summary>ResultsApi's own database (resultsdb): the scan hierarchy, results, sources, users and tokens.</summary>
public sealed class ResultsDbContext(DbContextOptions<ResultsDbContext> options) : DbContext(options)
{
    public DbSet<Source> Sources => Set<Source>();

    public DbSet<User> Users => Set<User>();

    public DbSet<AccessToken> AccessTokens => Set<AccessToken>();

    public DbSet<Exam> Exams => Set<Exam>();

    public DbSet<Workflow> Workflows => Set<Workflow>();

    public DbSet<ScanTask> Tasks => Set<ScanTask>();

    public DbSet<Result> Results => Set<Result>();

    public DbSet<WorkflowDefinition> WorkflowDefinitions => Set<WorkflowDefinition>();

    public DbSet<RawDataRecord> Records => Set<RawDataRecord>();

    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    public DbSet<DicomInstance> Instances => Set<DicomInstance>();

    public DbSet<SourceApiToken> SourceApiTokens => Set<SourceApiToken>();

    public DbSet<SeriesAnalysis> SeriesAnalyses => Set<SeriesAnalysis>();

    public DbSet<QualitySession> QualitySessions => Set<QualitySession>();

    public DbSet<QualitySessionImage> QualitySessionImages => Set<QualitySessionImage>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Source>(e =>
        {
            e.ToTable("sources");
            e.HasIndex(s => s.Name).IsUnique();
        });
        model.Entity<User>(e =>
        {
            e.ToTable("users");
            e.HasKey(u => u.Username);
            e.HasOne(u => u.Source).WithMany().HasForeignKey(u => u.SourceId).OnDelete(DeleteBehavior.Restrict);
        });
        model.Entity<AccessToken>(e =>
        {
            e.ToTable("access_tokens");
            e.HasKey(t => t.TokenHash);
            e.HasOne(t => t.User).WithMany().HasForeignKey(t => t.Username).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(t => t.ExpiresAt);
        });
        model.Entity<Exam>(e =>
        {
            e.ToTable("exams");
            e.Property(x => x.Status).HasConversion<string>();
            e.HasOne<Source>().WithMany().HasForeignKey(x => x.SourceId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(x => new { x.SourceId, x.IsTemplate, x.DatetimeCreated });
        });
        model.Entity<Workflow>(e =>
        {
            e.ToTable("workflows");
            e.Property(x => x.Status).HasConversion<string>();
            e.HasOne(x => x.Exam).WithMany(x => x.Workflows).HasForeignKey(x => x.ExamId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<ScanTask>(e =>
        {
            e.ToTable("tasks");
            e.Property(x => x.Status).HasConversion<string>();
            e.HasOne(x => x.Workflow).WithMany(x => x.Tasks).HasForeignKey(x => x.WorkflowId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<Result>(e =>
        {
            e.ToTable("results");
            e.Property(x => x.Type).HasConversion<string>();
            e.Property(x => x.Meta).HasColumnType("jsonb");
            e.HasOne(x => x.Task).WithMany(x => x.Results).HasForeignKey(x => x.TaskId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.TaskId, x.DatetimeCreated });
        });

        model.Entity<WorkflowDefinition>(e =>
        {
            e.ToTable("workflow_definitions");
            e.Property(x => x.Definition).HasColumnType("jsonb");
            e.HasOne<Source>().WithMany().HasForeignKey(x => x.SourceId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(x => new { x.SourceId, x.Name });
        });
        model.Entity<RawDataRecord>(e =>
        {
            e.ToTable("records");
            e.Property(x => x.Status).HasConversion<string>();
            e.HasOne(x => x.Task).WithMany().HasForeignKey(x => x.TaskId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Result>().WithMany().HasForeignKey(x => x.ResultId).OnDelete(DeleteBehavior.SetNull);
        });
        model.Entity<OutboxMessage>(e =>
        {
            e.ToTable("outbox_messages");
            e.Property(x => x.Body).HasColumnType("jsonb");
            // The dispatcher's query: unsent, due, oldest first.
            e.HasIndex(x => x.NextAttemptAt).HasFilter("sent_at IS NULL");
        });

        model.Entity<DicomInstance>(e =>
        {
            e.ToTable("dicom_instances");
            e.HasOne<Source>().WithMany().HasForeignKey(x => x.SourceId).OnDelete(DeleteBehavior.Restrict);
            // One copy of an instance per source; the searches go by study and by series.
            e.HasIndex(x => new { x.SourceId, x.SopInstanceUid }).IsUnique();
            e.HasIndex(x => new { x.SourceId, x.StudyInstanceUid });
            e.HasIndex(x => new { x.SourceId, x.SeriesInstanceUid });
        });

        model.Entity<SourceApiToken>(e =>
        {
            e.ToTable("source_api_tokens");
            e.HasOne<Source>().WithMany().HasForeignKey(x => x.SourceId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => x.TokenHash).IsUnique();
        });
        model.Entity<SeriesAnalysis>(e =>
        {
            e.ToTable("series_analyses");
            // Two callers re-queueing one failed analysis: the second finds the attempt changed and queues nothing.
            e.Property(x => x.Attempt).IsConcurrencyToken();
            e.Property(x => x.Status).HasConversion<string>();
            e.Property(x => x.Files).HasColumnType("jsonb");
            e.Property(x => x.Stage).HasMaxLength(200);
            e.HasOne<Source>().WithMany().HasForeignKey(x => x.SourceId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.SourceId, x.SeriesInstanceUid }).IsUnique();
        });

        model.Entity<QualitySession>(e =>
        {
            e.ToTable("quality_sessions");
            // Two reports racing (finished and failed, or a redelivered job): the second finds the state changed and gets 409.
            e.Property(x => x.State).HasConversion<string>().IsConcurrencyToken();
            e.HasOne<Source>().WithMany().HasForeignKey(x => x.SourceId).OnDelete(DeleteBehavior.Cascade);
            // Every public read is "this id of the caller's source".
            e.HasIndex(x => new { x.SourceId, x.Id });
        });
        model.Entity<QualitySessionImage>(e =>
        {
            e.ToTable("quality_session_images");
            // Targets and batch images live in separate folders, so a batch image may share a target's name.
            e.HasKey(x => new { x.SessionId, x.Role, x.FileName });
            e.Property(x => x.Role).HasConversion<string>();
            // Text, not jsonb: the results are served as the worker sent them, keys in its order (jsonb would sort them).
            e.Property(x => x.ResultJson).HasColumnType("text");
            e.Property(x => x.MeasurementsJson).HasColumnType("text");
            e.HasOne<QualitySession>().WithMany(x => x.Images).HasForeignKey(x => x.SessionId).OnDelete(DeleteBehavior.Cascade);
        });

        // snake_case columns, as the source platform's schema.
        model.UseSnakeCaseColumns();
    }
}

/// <summary>Lets `dotnet ef` build the model without the app host's connection string.</summary>
internal sealed class DesignTimeFactory : Microsoft.EntityFrameworkCore.Design.IDesignTimeDbContextFactory<ResultsDbContext>
{
    public ResultsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ResultsDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
