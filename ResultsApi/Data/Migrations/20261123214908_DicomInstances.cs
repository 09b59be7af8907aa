using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Imaging.ResultsApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class DicomInstances : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "dicom_instances",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    source_id = table.Column<Guid>(type: "uuid", nullable: false),
                    study_instance_uid = table.Column<string>(type: "text", nullable: false),
                    series_instance_uid = table.Column<string>(type: "text", nullable: false),
                    sop_instance_uid = table.Column<string>(type: "text", nullable: false),
                    sop_class_uid = table.Column<string>(type: "text", nullable: false),
                    patient_id = table.Column<string>(type: "text", nullable: true),
                    patient_name = table.Column<string>(type: "text", nullable: true),
                    modality = table.Column<string>(type: "text", nullable: true),
                    accession_number = table.Column<string>(type: "text", nullable: true),
                    study_date = table.Column<string>(type: "text", nullable: true),
                    study_description = table.Column<string>(type: "text", nullable: true),
                    series_description = table.Column<string>(type: "text", nullable: true),
                    series_number = table.Column<int>(type: "integer", nullable: true),
                    instance_number = table.Column<int>(type: "integer", nullable: true),
                    number_of_frames = table.Column<int>(type: "integer", nullable: false),
                    transfer_syntax_uid = table.Column<string>(type: "text", nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    sha256 = table.Column<string>(type: "text", nullable: false),
                    datetime_created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    datetime_updated = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_dicom_instances", x => x.id);
                    table.ForeignKey(
                        name: "FK_dicom_instances_sources_source_id",
                        column: x => x.source_id,
                        principalTable: "sources",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_dicom_instances_source_id_series_instance_uid",
                table: "dicom_instances",
                columns: new[] { "source_id", "series_instance_uid" });

            migrationBuilder.CreateIndex(
                name: "IX_dicom_instances_source_id_sop_instance_uid",
                table: "dicom_instances",
                columns: new[] { "source_id", "sop_instance_uid" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_dicom_instances_source_id_study_instance_uid",
                table: "dicom_instances",
                columns: new[] { "source_id", "study_instance_uid" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "dicom_instances");
        }
    }
}
