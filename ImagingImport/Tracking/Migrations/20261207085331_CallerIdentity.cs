using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Imaging.ImagingImport.Tracking.Migrations
{
    /// <inheritdoc />
    public partial class CallerIdentity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "caller_held_until",
                table: "study_imports",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "caller_identity_until",
                table: "study_imports",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "caller_held_until",
                table: "study_imports");

            migrationBuilder.DropColumn(
                name: "caller_identity_until",
                table: "study_imports");
        }
    }
}
