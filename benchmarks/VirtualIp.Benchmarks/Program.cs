using BenchmarkDotNet.Running;

// Run with: dotnet run -c Release --project benchmarks/VirtualIp.Benchmarks -- --filter '*Frame*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>Entry point holder for BenchmarkSwitcher.</summary>
public partial class Program;
