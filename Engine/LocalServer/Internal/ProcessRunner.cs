using System.Diagnostics;
using System.Text;

namespace Ferry.Engine.LocalServer.Internal;

/// <summary>Runs a short-lived program, optionally as another OS user (through <c>runuser</c> when we are root).</summary>
internal static class ProcessRunner
{
    internal sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static async Task<Result> RunAsync(
        string fileName, IEnumerable<string> arguments, string? runAsUser, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        if (runAsUser is null)
        {
            info.FileName = fileName;
        }
        else
        {
            info.FileName = "runuser";
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(runAsUser);
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(fileName);
        }
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        // PostgreSQL's tools take their messages' language from the environment; keep them in English for our errors.
        info.Environment["LC_MESSAGES"] = "C";
        info.Environment.Remove("PGPASSWORD");

        using var process = new Process { StartInfo = info };
        process.Start();
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new Result(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    public static async Task<string> RunCheckedAsync(
        string fileName, IEnumerable<string> arguments, string? runAsUser, CancellationToken cancellationToken)
    {
        var args = arguments.ToList();
        var result = await RunAsync(fileName, args, runAsUser, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var message = new StringBuilder()
                .Append(Path.GetFileName(fileName)).Append(" failed with exit code ").Append(result.ExitCode);
            if (runAsUser is not null)
            {
                message.Append(" (run as OS user '").Append(runAsUser).Append("')");
            }
            message.Append(": ").Append((result.StandardError + result.StandardOutput).Trim());
            throw new LocalServerException(message.ToString());
        }
        return result.StandardOutput;
    }
}
