using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Imaging.ImagingImport.Tracking.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "import_projects",
                columns: table => new
                {
                    project_id = table.Column<string>(type: "text", nullable: false),
                    creation_completed = table.Column<bool>(type: "boolean", nullable: false),
                    datetime_created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_import_projects", x => x.project_id);
                });

            migrationBuilder.CreateTable(
                name: "study_imports",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    project_id = table.Column<string>(type: "text", nullable: false),
                    cohort_hash = table.Column<string>(type: "text", nullable: false),
                    study_instance_uid = table.Column<string>(type: "text", nullable: false),
                    patient_id = table.Column<string>(type: "text", nullable: true),
                    accession_number = table.Column<string>(type: "text", nullable: true),
                    subject_label = table.Column<string>(type: "text", nullable: true),
                    status = table.Column<string>(type: "text", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    last_error = table.Column<string>(type: "text", nullable: true),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    lease_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    datetime_created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    datetime_updated = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    datetime_imported = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_study_imports", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_study_imports_project_id_cohort_hash_status",
                table: "study_imports",
                columns: new[] { "project_id", "cohort_hash", "status" });

            migrationBuilder.CreateIndex(
                name: "IX_study_imports_project_id_study_instance_uid",
                table: "study_imports",
                columns: new[] { "project_id", "study_instance_uid" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_study_imports_status_next_attempt_at",
                table: "study_imports",
                columns: new[] { "status", "next_attempt_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "import_projects");

            migrationBuilder.DropTable(
                name: "study_imports");
        }
    }
}
