using System.Diagnostics;
using Returns.Grader.Bench.Vision.Measurement;
using Returns.Grader.Bench.Vision.Paths;
using Returns.Grader.Vision.Inference;
using Returns.Grader.Vision.Photos;
using static Returns.Grader.Bench.Vision.BenchContext;

namespace Returns.Grader.Bench.Vision.Sections;

/// <summary>
/// 4: process CPU time per request (Process.TotalProcessorTime delta ÷ runs), batch 1, with ONNX Runtime's intra-op
/// spinning off (the app's setting) and on (ONNX Runtime's default), and with one intra-op thread. Two arrival patterns:
/// back to back, and one request every 50 ms of idle time (a server between requests), where spinning threads keep
/// burning a core after each run.
/// </summary>
public static class CpuSection
{
    private const int IdleGapMs = 50;

    public static void Run(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (manifest, onnxPath) = ModelPackage.Read(context.ModelDirectory);
        var input = manifest.Input;
        var tensor = new float[Preprocessing.TensorLength(input)];
        ModelInputDecoder.Decode(context.Photo, input, tensor);
        var outputs = manifest.HasDamageMap ? new[] { manifest.GradeOutputName, manifest.DamageOutputName } : [manifest.GradeOutputName];
        var cores = Math.Max(1, Environment.ProcessorCount);

        context.Md("## 4. CPU per request (batch 1)");
        context.Md();
        context.Md("| Work | Intra-op threads | `allow_spinning` | Arrival | Wall per request (median) | CPU per request | of which in the idle gap |");
        context.Md("|---|--:|:-:|---|--:|--:|--:|");
        foreach (var (threads, spinning) in new[] { (cores, false), (cores, true), (1, false) })
        {
            using var session = new RawSession(onnxPath, threads, spinning, [1, 3, input.Height, input.Width], input.Name, outputs);
            foreach (var gap in new[] { 0, IdleGapMs })
            {
                var runs = context.Runs(gap == 0 ? 60 : 30, 8);
                var (wall, cpu, idle) = MeasureCpu(() => session.Run(tensor), runs, gap);
                var setting = spinning ? "1" : threads == cores ? "0 (app)" : "0";
                context.Md($"| inference (session.Run) | {threads} | {setting} | {(gap == 0 ? "back to back" : $"every {gap} ms idle")} | {F(wall.Median, "F2")} ms | {F(cpu, "F2")} ms | {(gap == 0 ? "—" : $"{F(idle, "F2")} ms")} |");
            }
        }

        using var model = GradeModel.Load(context.ModelDirectory, InferenceSettings.Default);
        var pathRuns = context.Runs(15, 3);
        var (wallA, cpuA, idleA) = MeasureCpu(() => SuggestionPaths.InferencePath(model, context.Photo), pathRuns, IdleGapMs);
        context.Md($"| (a) bytes → suggestion | {cores} | 0 (app) | every {IdleGapMs} ms idle | {F(wallA.Median)} ms | {F(cpuA)} ms | {F(idleA, "F2")} ms |");
        var (wallB, cpuB, idleB) = MeasureCpu(() => SuggestionPaths.IntakePath(model, context.Photo, PhotoLimits.Default), pathRuns, IdleGapMs);
        context.Md($"| (b) intake: Sanitize + Run + Interpret | {cores} | 0 (app) | every {IdleGapMs} ms idle | {F(wallB.Median)} ms | {F(cpuB)} ms | {F(idleB, "F2")} ms |");
        context.Md();
    }

    /// <summary>Per-request wall times; process CPU (all threads) per request, idle gap included; and the part of it
    /// spent during the idle gaps (threads spinning with nothing to do). /proc counts CPU in 10 ms ticks, so the
    /// per-request figures are totals over all runs divided by the number of runs.</summary>
    private static (Timing Wall, double CpuMs, double IdleCpuMs) MeasureCpu(Action request, int runs, int gapMs)
    {
        for (var i = 0; i < 3; i++)
        {
            request();
        }
        Thread.Sleep(gapMs + 20);
        var wall = new double[runs];
        var idle = TimeSpan.Zero;
        var cpuBefore = ProcessStats.CpuTime();
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            request();
            wall[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (gapMs > 0)
            {
                var gapStart = ProcessStats.CpuTime();
                Thread.Sleep(gapMs);
                idle += ProcessStats.CpuTime() - gapStart;
            }
        }
        var cpu = (ProcessStats.CpuTime() - cpuBefore).TotalMilliseconds / runs;
        return (new Timing(wall), cpu, idle.TotalMilliseconds / runs);
    }
}
