using System.Net;
using VirtualIp.Leasing;

namespace VirtualIp.Tests.Leasing;

public sealed class JournalLeaseStoreTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vip-journal-");

    private string JournalPath => Path.Combine(_dir.FullName, "leases.journal");

    public void Dispose() => _dir.Delete(recursive: true);

    private static LeaseRecord Lease(int i, string? holder = null) =>
        new("p", IPAddress.Parse($"198.51.100.{i}"), holder ?? $"h{i}", "n1", T0, T0.AddHours(1));

    [Fact]
    public async Task Claims_are_exclusive_per_address_and_per_holder()
    {
        await using var store = new JournalLeaseStore(JournalPath);
        Assert.Equal(LeaseClaimResult.Claimed, await store.TryClaimAsync(Lease(1), Ct));
        Assert.Equal(LeaseClaimResult.AddressTaken, await store.TryClaimAsync(Lease(1, "other"), Ct));
        Assert.Equal(LeaseClaimResult.HolderHasLease, await store.TryClaimAsync(Lease(2, "h1"), Ct));
        Assert.False(await store.ReleaseAsync(Lease(1) with { GrantedAt = T0.AddSeconds(1) }, Ct)); // not the same grant
        Assert.True(await store.RenewAsync(Lease(1), T0.AddHours(2), Ct));
        Assert.Equal(T0.AddHours(2), (await store.FindByHolderAsync("p", "h1", Ct))!.ExpiresAt);
        Assert.True(await store.ReleaseAsync(Lease(1), Ct));
        Assert.Null(await store.FindByHolderAsync("p", "h1", Ct));
        Assert.Equal(IPAddress.Parse("198.51.100.1"), await store.FindPreviousAsync("p", "h1", Ct));
    }

    [Fact]
    public async Task A_torn_tail_is_cut_and_every_complete_record_survives()
    {
        await using (var store = new JournalLeaseStore(JournalPath))
        {
            for (int i = 1; i <= 20; i++)
            {
                await store.TryClaimAsync(Lease(i), Ct);
            }

            await store.ReleaseAsync(Lease(5), Ct);
        }

        long intact = new FileInfo(JournalPath).Length;
        await using (var f = new FileStream(JournalPath, FileMode.Append))
        {
            f.Write([40, 0, 0, 0, 1, 2, 3, 4, 1, 1, 0]); // a record header and the start of a payload: the writer died here
        }

        await using (var store = new JournalLeaseStore(JournalPath))
        {
            Assert.Equal(19, store.Count);
            Assert.Null(await store.FindByHolderAsync("p", "h5", Ct));
            Assert.Equal(intact, new FileInfo(JournalPath).Length);
            Assert.Equal(LeaseClaimResult.Claimed, await store.TryClaimAsync(Lease(5), Ct));
        }

        await using (var store = new JournalLeaseStore(JournalPath))
        {
            Assert.Equal(20, store.Count);
        }
    }

    [Fact]
    public async Task A_corrupted_record_ends_the_replay_there()
    {
        await using (var store = new JournalLeaseStore(JournalPath))
        {
            await store.TryClaimAsync(Lease(1), Ct);
            await store.TryClaimAsync(Lease(2), Ct);
        }

        var bytes = await File.ReadAllBytesAsync(JournalPath, Ct);
        bytes[^3] ^= 0xFF; // flip bits in the last record's payload: its CRC no longer holds
        await File.WriteAllBytesAsync(JournalPath, bytes, Ct);
        await using var reopened = new JournalLeaseStore(JournalPath);
        Assert.Equal(1, reopened.Count);
        Assert.NotNull(await reopened.FindByHolderAsync("p", "h1", Ct));
    }

    [Fact]
    public async Task Compaction_keeps_the_state_and_bounds_the_file()
    {
        await using (var store = new JournalLeaseStore(JournalPath, historyLimit: 50))
        {
            for (int round = 0; round < 40; round++)
            {
                for (int i = 1; i <= 100; i++)
                {
                    var l = Lease(i, $"r{round}h{i}");
                    await store.TryClaimAsync(l, Ct);
                    if (i > 10)
                    {
                        await store.ReleaseAsync(l, Ct);
                    }
                }

                if (round < 39)
                {
                    for (int i = 1; i <= 10; i++)
                    {
                        await store.ReleaseAsync(Lease(i, $"r{round}h{i}"), Ct);
                    }
                }
            }

            Assert.Equal(10, store.Count);
            Assert.Equal(50, store.HistoryCount("p")); // history is bounded
        }

        Assert.True(new FileInfo(JournalPath).Length < 100_000, $"journal is {new FileInfo(JournalPath).Length} bytes after 8,000 changes");
        await using var reopened = new JournalLeaseStore(JournalPath, historyLimit: 50);
        Assert.Equal(10, reopened.Count);
        Assert.Equal(50, reopened.HistoryCount("p"));
        Assert.Equal(IPAddress.Parse("198.51.100.100"), await reopened.FindPreviousAsync("p", "r39h100", Ct));
    }

    [Fact]
    public async Task A_second_process_cannot_open_the_same_journal()
    {
        await using var store = new JournalLeaseStore(JournalPath);
        var ex = Assert.Throws<IOException>(() => new JournalLeaseStore(JournalPath));
        Assert.Contains("in use by another process", ex.Message);
    }
}
