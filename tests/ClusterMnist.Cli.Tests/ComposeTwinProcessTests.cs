using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ClusterMnist.Cli.Tests;

/// <summary>
/// The scenario of deploy/e2e-compose.sh without Docker, so that CI runs it: the one-shot `cert` service, then a
/// coordinator and three workers as processes on 127.0.0.1, started with the arguments of docker-compose.yml's
/// `command:` lists (read from the file, with only the container's paths, host names and ports swapped for local ones),
/// the repository's config/*.json and the environment the compose file gives every node. Training progresses, one
/// worker is killed (SIGKILL, as `docker kill`), the run still finishes, the survivors exit 0 (so `restart: on-failure`
/// leaves them stopped), /api/predict answers for real MNIST test digits, and SIGTERM (as `docker compose down`) stops
/// the coordinator. Needs CLUSTERMNIST_DATA (the MNIST test set, as digits-split); skipped when it is unset.
/// </summary>
[Collection(nameof(ClusterProcessTests))]
public sealed partial class ComposeTwinProcessTests(ITestOutputHelper log) : IDisposable
{
    private const int Epochs = 12;
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan TrainDeadline = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("compose-twin-").FullName;

    private static string? DataRoot => Environment.GetEnvironmentVariable("CLUSTERMNIST_DATA") is { Length: > 0 } root ? root : null;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [SkippableFact]
    public async Task ComposeScenario_SurvivesAKilledWorker_AndServesPredictions()
    {
        Skip.If(DataRoot is null, "CLUSTERMNIST_DATA is not set.");

        string repository = RepositoryRoot();
        string compose = File.ReadAllText(Path.Combine(repository, "docker-compose.yml"));
        // What .env and the e2e script's override file would say: the run's settings as variables, the model as a
        // ClusterMnist__Section__Key override of config/coordinator.json.
        var variables = new Dictionary<string, string>
        {
            ["CLUSTERMNIST_DATASET"] = "digits-split",
            ["CLUSTERMNIST_MIN_WORKERS"] = "3",
            ["CLUSTERMNIST_EPOCHS"] = Epochs.ToString(CultureInfo.InvariantCulture),
            ["CLUSTERMNIST_WORKER_THREADS"] = "1",
        };
        var environment = new Dictionary<string, string>
        {
            // The compose file's x-clustermnist environment, with the volume's path swapped for this test's folder.
            ["CLUSTERMNIST_CERT"] = Path.Combine(_directory, "certs", "cluster.pfx"),
            ["ClusterMnist__Training__Model"] = "784-64-10",
        };

        // The one-shot cert service: a new certificate on the first run, the same one kept on the next.
        Directory.CreateDirectory(Path.Combine(_directory, "certs"));
        string[] certArgs = Localize(ServiceCommand(compose, "cert", variables), clusterPort: null);
        for (int run = 0; run < 2; run++)
        {
            using var cert = ClusterProcess.Start(_directory, environment, certArgs);
            Assert.Equal(0, await cert.WaitForExitAsync(StartDeadline));
            log.WriteLine(cert.Output);
        }

        string[] coordinatorArgs =
        [
            .. Localize(ServiceCommand(compose, "coordinator", variables), clusterPort: null),
            "--bind=127.0.0.1", "--cluster-bind=127.0.0.1", "--data-plane-port=0", $"--config={Path.Combine(repository, "config", "coordinator.json")}",
        ];
        using var coordinator = ClusterProcess.Start(_directory, environment, coordinatorArgs);
        var workers = new List<ClusterProcess>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            http.BaseAddress = await ClusterNodes.HttpAddressAsync(coordinator, StartDeadline);
            int clusterPort = await ClusterNodes.ClusterPortAsync(coordinator, StartDeadline);
            string[] workerArgs =
            [
                .. Localize(ServiceCommand(compose, "worker", variables), clusterPort),
                "--cluster-bind=127.0.0.1", $"--config={Path.Combine(repository, "config", "worker.json")}",
            ];
            for (int i = 0; i < 3; i++)
            {
                workers.Add(ClusterProcess.Start(_directory, environment, workerArgs));
            }

            var progress = await WaitForStatusAsync(http, s => Progress(s).GetProperty("step").GetInt64() > 0, StartDeadline, "a training step");
            long totalSteps = Epochs * (long)Progress(progress).GetProperty("stepsPerEpoch").GetInt32();
            Assert.Equal("training", Progress(progress).GetProperty("state").GetString());
            Assert.Equal(3, Workers(progress).Count(m => m.GetProperty("state").GetString() == "up"));

            var victim = workers[0];
            victim.Kill();
            long stepAtKill = Progress(await StatusAsync(http)).GetProperty("step").GetInt64();
            Assert.True(stepAtKill < totalSteps, $"the run ended (step {stepAtKill} of {totalSteps}) before a worker could be killed; raise Epochs");
            log.WriteLine($"killed worker pid {victim.Id} at step {stepAtKill} of {totalSteps}");

            var finished = await WaitForStatusAsync(http, s => Progress(s).GetProperty("state").GetString() is "finished" or "failed", TrainDeadline, "the end of training");
            Assert.Equal("finished", Progress(finished).GetProperty("state").GetString());
            Assert.Equal(totalSteps, Progress(finished).GetProperty("step").GetInt64());
            Assert.Equal(Epochs, Progress(finished).GetProperty("history").GetArrayLength());
            var members = Workers(finished).ToDictionary(m => m.GetProperty("id").GetString()!, m => m.GetProperty("state").GetString());
            // Killed: unreachable at once, then downed and removed from the cluster (if the run lasts that long).
            Assert.Contains(Assert.Single(members, m => m.Key.EndsWith("-" + victim.Id.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)).Value,
                new[] { "unreachable", "down", "removed" });

            // The exit code the compose file's `restart: on-failure` relies on: 0 at the end of a run.
            foreach (var survivor in workers.Skip(1))
            {
                Assert.Equal(0, await survivor.WaitForExitAsync(StartDeadline));
                Assert.Contains("Training finished", survivor.Output, StringComparison.Ordinal);
            }

            await AssertPredictionsAsync(http, DataRoot);

            coordinator.Terminate();
            Assert.Equal(0, await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        }
        finally
        {
            log.WriteLine("coordinator " + string.Join(' ', coordinatorArgs) + "\n" + coordinator.Output + "\n" + coordinator.Error);
            foreach (var worker in workers)
            {
                log.WriteLine($"worker {worker.Id}:\n{worker.Output}\n{worker.Error}");
                worker.Dispose();
            }
        }
    }

    /// <summary>One held-out digit alone, then 100 in one request; the small model must get most of them right.</summary>
    private async Task AssertPredictionsAsync(HttpClient http, string dataRoot)
    {
        // digits-split trains on the first 8,000 test images; these come from the last 2,000, which it never saw.
        const int first = 9900, count = 100;
        var (images, labels) = ReadTestDigits(Path.Combine(dataRoot, "mnist"), first, count);

        using var one = await PostAsync(http, "{\"pixels\":" + JsonArray(images[^1]) + "}");
        var answer = one.RootElement;
        int digit = answer.GetProperty("digit").GetInt32();
        double sum = answer.GetProperty("probabilities").EnumerateArray().Sum(p => p.GetDouble());
        Assert.InRange(digit, 0, 9);
        Assert.InRange(sum, 0.999, 1.001);
        log.WriteLine($"test digit {first + count - 1} (label {labels[^1]}): predicted {digit}, p={answer.GetProperty("probabilities")[digit].GetDouble():F3}");

        using var batch = await PostAsync(http, "{\"images\":[" + string.Join(',', images.Select(JsonArray)) + "]}");
        int right = batch.RootElement.EnumerateArray().Select((a, i) => a.GetProperty("digit").GetInt32() == labels[i] ? 1 : 0).Sum();
        log.WriteLine($"{right} of {count} held-out test digits right");
        Assert.True(right >= 70, $"only {right} of {count} held-out test digits right");
    }

    private static async Task<JsonDocument> PostAsync(HttpClient http, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri("/api/predict", UriKind.Relative), content);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"/api/predict: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }

    private static string JsonArray(byte[] pixels) => "[" + string.Join(',', pixels) + "]";

    private static (byte[][] Images, byte[] Labels) ReadTestDigits(string folder, int first, int count)
    {
        using var images = new GZipStream(File.OpenRead(Path.Combine(folder, "t10k-images-idx3-ubyte.gz")), CompressionMode.Decompress);
        using var labels = new GZipStream(File.OpenRead(Path.Combine(folder, "t10k-labels-idx1-ubyte.gz")), CompressionMode.Decompress);
        images.ReadExactly(new byte[16 + (first * 784)]);
        labels.ReadExactly(new byte[8 + first]);
        var pixels = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            pixels[i] = new byte[784];
            images.ReadExactly(pixels[i]);
        }

        var digits = new byte[count];
        labels.ReadExactly(digits);
        return (pixels, digits);
    }

    private static async Task<JsonElement> WaitForStatusAsync(HttpClient http, Func<JsonElement, bool> condition, TimeSpan deadline, string what)
    {
        using var timeout = new CancellationTokenSource(deadline);
        JsonElement last = default;
        while (!timeout.IsCancellationRequested)
        {
            last = await StatusAsync(http);
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(100, CancellationToken.None);
        }

        throw new TimeoutException($"no {what} within {deadline}; last /api/status: {last}");
    }

    private static async Task<JsonElement> StatusAsync(HttpClient http)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/status", UriKind.Relative)));
        return document.RootElement.Clone();
    }

    private static JsonElement Progress(JsonElement status) => status.GetProperty("progress");

    private static IEnumerable<JsonElement> Workers(JsonElement status) =>
        status.GetProperty("members").EnumerateArray().Where(m => m.GetProperty("role").GetString() == "worker");

    /// <summary>
    /// The `command:` list of a service in docker-compose.yml, with <c>${NAME:-default}</c> taken from
    /// <paramref name="variables"/> or its default, as compose does. The file keeps each list item on its own line.
    /// </summary>
    private static string[] ServiceCommand(string compose, string service, IReadOnlyDictionary<string, string> variables)
    {
        var lines = compose.Split('\n');
        int at = Array.FindIndex(lines, line => line.TrimEnd() == $"  {service}:");
        Assert.True(at >= 0, $"docker-compose.yml has no service '{service}'");
        int command = Array.FindIndex(lines, at + 1, line => line.Trim() == "command:");
        Assert.True(command > at, $"service '{service}' has no command: list");
        var args = new List<string>();
        foreach (string line in lines.Skip(command + 1))
        {
            string item = line.Trim();
            if (item.StartsWith('#'))
            {
                continue;
            }

            if (!item.StartsWith("- ", StringComparison.Ordinal))
            {
                break;
            }

            args.Add(Variable().Replace(item[2..].Trim(), m =>
                variables.TryGetValue(m.Groups["name"].Value, out var value) ? value : m.Groups["default"].Value));
        }

        return [.. args];
    }

    /// <summary>The container's paths, host names and ports, swapped for this machine's; anything else container-only fails the test.</summary>
    private string[] Localize(string[] args, int? clusterPort)
    {
        var local = args.Select(arg => arg switch
        {
            "--port=8080" => "--port=0",
            "--cluster-port=4053" => "--cluster-port=0",
            "--public-host=coordinator" => "--public-host=127.0.0.1",
            "--data=/data" => "--data=" + DataRoot,
            "--checkpoint-dir=/checkpoints" => "--checkpoint-dir=" + Path.Combine(_directory, "checkpoints"),
            "--out=/certs/cluster.pfx" => "--out=" + Path.Combine(_directory, "certs", "cluster.pfx"),
            "--coordinator=coordinator:4053" => "--coordinator=127.0.0.1:" + clusterPort?.ToString(CultureInfo.InvariantCulture),
            _ => arg,
        }).ToArray();
        Assert.DoesNotContain(local, arg => arg.Contains("=/", StringComparison.Ordinal) && !arg.Contains(_directory, StringComparison.Ordinal)
            && !arg.Contains(DataRoot!, StringComparison.Ordinal));
        return local;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "docker-compose.yml")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no docker-compose.yml above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"\$\{(?<name>\w+)(:-(?<default>[^}]*))?\}")]
    private static partial Regex Variable();
}
