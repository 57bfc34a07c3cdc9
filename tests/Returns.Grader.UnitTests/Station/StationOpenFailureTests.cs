using System.Data.Common;
using Bunit;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// A plate that reached the station another way than the scan field (a scanner's burst with the focus elsewhere) and
/// could not be opened (the database failed the lookup) was lost: the field was empty and the message did not name it.
/// It waits in the scan field, so Enter tries it again. The database is real; the one read is failed by an interceptor,
/// as SQLite in WAL mode cannot be made to fail a read.
/// </summary>
public sealed class StationOpenFailureTests()
    : StationPageTestBase(ManualAppWith(Reads))
{
    private static readonly FailingRead Reads = new();

    [Fact]
    public async Task APlateScannedOutsideTheField_ThatCannotBeOpened_WaitsInTheScanField()
    {
        var (plate, _) = await CreateItemAsync();
        var station = RenderStation();

        Reads.FailNext();
        await station.InvokeAsync(() => station.Instance.OnScanned(plate));

        station.WaitForAssertion(() => Assert.Contains("not opened", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        Assert.Equal(plate, station.Find("#scan").GetAttribute("value"));
        station.Find("form.scan-form").Submit();
        station.WaitForAssertion(() => Assert.Equal(plate, station.Find("[data-testid=item-return-id]").TextContent));
    }

    /// <summary>Fails the next lookup of an item (a query of ReturnItems), once; every other query goes through (the
    /// app's background services query on timers: failing theirs instead made the test wait in vain).</summary>
    private sealed class FailingRead : DbCommandInterceptor
    {
        private int _armed;

        public void FailNext() => Volatile.Write(ref _armed, 1);

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
            command.CommandText.Contains("\"ReturnItems\"", StringComparison.Ordinal) && Interlocked.Exchange(ref _armed, 0) == 1 ? throw new IOException("the database could not be read (test)") : ValueTask.FromResult(result);
    }
}
