using System.Globalization;
using ClusterMnist.Core.Export;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Hosting;
using ClusterMnist.Server.Snapshots;
using Microsoft.AspNetCore.Http;

namespace ClusterMnist.Server.Export;

/// <summary>
/// <c>GET /api/model.onnx</c>: the model being served, as an ONNX file (see <see cref="OnnxExporter"/>), with its
/// version and training step in <c>X-Model-Version</c> and <c>X-Model-Step</c>. The ETag is the parameters' hash, so a
/// client polling with If-None-Match downloads a model once.
/// </summary>
internal sealed class OnnxModelEndpoint(IModelSnapshotSource models, ServerOptions options)
{
    /// <summary>The model's version (as in <c>/api/predict</c> answers).</summary>
    public const string VersionHeader = "X-Model-Version";

    /// <summary>The training step its parameters come from.</summary>
    public const string StepHeader = "X-Model-Step";

    // The last export, reused while the same snapshot is served: after training, every download is the same model.
    private ExportedModel? _last;

    public async Task HandleAsync(HttpContext context)
    {
        var snapshot = models.Current;
        if (snapshot is null)
        {
            await JsonError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "no model is being served yet: training has not published one.")
                .ConfigureAwait(false);
            return;
        }

        var exported = Export(snapshot);
        var response = context.Response;
        response.Headers[VersionHeader] = snapshot.Version.ToString(CultureInfo.InvariantCulture);
        response.Headers[StepHeader] = snapshot.Step.ToString(CultureInfo.InvariantCulture);
        response.Headers.ETag = exported.ETag;
        response.Headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch == exported.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.ContentType = "application/octet-stream";
        response.Headers.ContentDisposition = $"attachment; filename=\"clustermnist-v{snapshot.Version}-step{snapshot.Step}.onnx\"";
        response.ContentLength = exported.Bytes.Length;
        await response.Body.WriteAsync(exported.Bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private ExportedModel Export(ParameterSnapshot snapshot)
    {
        var last = Volatile.Read(ref _last);
        if (last is not null && ReferenceEquals(last.Snapshot, snapshot))
        {
            return last;
        }

        var info = new OnnxExportInfo(options.Dataset, options.TrainFingerprint, snapshot.Step, snapshot.Epoch);
        var bytes = OnnxExporter.Export(snapshot.Spec, snapshot.Parameters, info);
        var exported = new ExportedModel(snapshot, bytes, $"\"{ParameterHash.Sha256(snapshot.Parameters)}\"");
        Volatile.Write(ref _last, exported);
        return exported;
    }

    private sealed record ExportedModel(ParameterSnapshot Snapshot, byte[] Bytes, string ETag);
}
