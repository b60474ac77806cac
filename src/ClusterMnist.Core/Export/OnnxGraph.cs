// The inference graph of a Network in ONNX operators: per dense layer one Gemm (Y = X·Wᵀ + b, transB = 1, so W keeps
// our out×in row-major layout and its bytes go in unchanged), then the hidden activation; after the last layer the
// output non-linearity (Softmax over the classes, or per-class Sigmoid for sigmoid-mse models). Dropout is a
// training-time operation and has no node. Weights and biases are initializers named as in Network.Segments.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ClusterMnist.Core.Export.Onnx;
using ClusterMnist.Core.Model;
using Google.Protobuf;

namespace ClusterMnist.Core.Export;

internal static class OnnxGraph
{
    /// <summary>The batch dimension's symbolic name: any number of images per call.</summary>
    public const string BatchDimension = "N";

    public static GraphProto Build(Network network, ReadOnlySpan<float> parameters, string inputName, string outputName)
    {
        var spec = network.Spec;
        var graph = new GraphProto { Name = "clustermnist_mlp" };
        graph.Input.Add(FloatMatrix(inputName, spec.InputSize));
        graph.Output.Add(FloatMatrix(outputName, spec.OutputSize));

        string x = inputName;
        for (int l = 0; l < spec.LayerCount; l++)
        {
            var weights = network.Segments[2 * l];
            var bias = network.Segments[(2 * l) + 1];
            graph.Initializer.Add(FloatTensor(weights.Name, parameters.Slice(weights.Offset, weights.Length), spec.LayerSizes[l + 1], spec.LayerSizes[l]));
            graph.Initializer.Add(FloatTensor(bias.Name, parameters.Slice(bias.Offset, bias.Length), spec.LayerSizes[l + 1]));

            bool last = l == spec.LayerCount - 1;
            string z = last ? "logits" : $"z{l + 1}";
            var gemm = Node("Gemm", $"dense{l + 1}", [x, weights.Name, bias.Name], z);
            gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            graph.Node.Add(gemm);
            if (last)
            {
                graph.Node.Add(OutputNode(spec.Output, z, outputName));
            }
            else
            {
                x = $"h{l + 1}";
                graph.Node.Add(ActivationNode(spec.Hidden, z, x, l + 1));
            }
        }

        return graph;
    }

    private static NodeProto ActivationNode(Activation activation, string input, string output, int layer)
    {
        var (opType, name) = activation switch
        {
            Activation.Relu => ("Relu", "relu"),
            Activation.Elu => ("Elu", "elu"),
            Activation.Sigmoid => ("Sigmoid", "sigmoid"),
            Activation.Tanh => ("Tanh", "tanh"),
            _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
        };
        var node = Node(opType, $"{name}{layer}", [input], output);
        if (activation == Activation.Elu)
        {
            // Our ELU is the α = 1 one; ONNX's default is also 1, stated so the file says what it computes.
            node.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = 1f });
        }

        return node;
    }

    private static NodeProto OutputNode(OutputLoss output, string input, string outputName)
    {
        if (output == OutputLoss.SigmoidSquaredError)
        {
            return Node("Sigmoid", "sigmoid_output", [input], outputName);
        }

        var softmax = Node("Softmax", "softmax", [input], outputName);
        softmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = -1 });
        return softmax;
    }

    private static NodeProto Node(string opType, string name, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(output);
        return node;
    }

    private static ValueInfoProto FloatMatrix(string name, int columns)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = columns });
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape };
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }

    private static TensorProto FloatTensor(string name, ReadOnlySpan<float> values, params ReadOnlySpan<int> dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = LittleEndianBytes(values) };
        foreach (int dim in dims)
        {
            tensor.Dims.Add(dim);
        }

        return tensor;
    }

    // raw_data is little-endian by the specification, whatever the machine.
    private static ByteString LittleEndianBytes(ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            return ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        }

        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return ByteString.CopyFrom(bytes);
    }
}
