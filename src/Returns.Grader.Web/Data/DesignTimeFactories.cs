using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Returns.Grader.Web.Data;

// Used only by `dotnet ef migrations add`: each provider's migrations are generated from the same model,
// without reading the app's configuration.
internal sealed class SqliteGraderDbDesignFactory : IDesignTimeDbContextFactory<SqliteGraderDb>
{
    public SqliteGraderDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteGraderDb>().UseSqlite("Data Source=design-time.db").Options);
}

internal sealed class SqlServerGraderDbDesignFactory : IDesignTimeDbContextFactory<SqlServerGraderDb>
{
    public SqlServerGraderDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerGraderDb>().UseSqlServer("Server=design-time;Database=Grader;Integrated Security=true").Options);
}

internal sealed class PostgresGraderDbDesignFactory : IDesignTimeDbContextFactory<PostgresGraderDb>
{
    public PostgresGraderDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresGraderDb>().UseNpgsql("Host=design-time;Database=grader").Options);
}
