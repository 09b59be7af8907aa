using System.Text.Json;

namespace Microsoft.EntityFrameworkCore;

public static class SnakeCaseColumns
{
    /// <summary>Names every column in snake_case (DatetimeCreated → datetime_created), as the source platforms' schemas; call last in OnModelCreating.</summary>
    public static ModelBuilder UseSnakeCaseColumns(this ModelBuilder model)
    {
        foreach (var entity in model.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name));
            }
        }

        return model;
    }
}
