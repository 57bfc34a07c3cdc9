using Microsoft.Playwright;

namespace Returns.Grader.E2ETests;

/// <summary>
/// A barcode scanner in keyboard mode: it types a plate and Enter into whatever has the focus, every key a few
/// milliseconds after the last, Shift held for capitals. Playwright's own typing waits for each key's round trip to the
/// page, which a busy test machine stretches to a person's pace; here every key event is sent at once, in order, through
/// the browser's input pipeline (Chromium's DevTools protocol), and arrives queued like a real scanner's.
/// </summary>
public static class Scanner
{
    /// <summary>Scans the plate, followed by Enter (most scanners' setting) or, with <paramref name="enter"/> false, by nothing.</summary>
    public static async Task ScanAsync(IPage page, string plate, bool enter = true)
    {
        var session = await page.Context.NewCDPSessionAsync(page);
        try
        {
            var events = plate.SelectMany(KeyEvents).Concat(enter ? Press("Enter", "Enter", 13, "\r", modifiers: 0) : []).ToList();
            // Stamped as a scanner types them, 2 ms apart (the time a key was typed is the event's, as with a real
            // keyboard; unstamped, a key took the time the loaded browser got round to it), and sent without waiting for
            // each answer (one connection, in order): the keys reach the page as one burst.
            var typedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
            for (var i = 0; i < events.Count; i++)
            {
                events[i]["timestamp"] = typedAt + i * 0.002;
            }
            await Task.WhenAll(events.Select(e => session.SendAsync("Input.dispatchKeyEvent", e)).ToList());
        }
        finally
        {
            await session.DetachAsync();
        }
    }

    private const int Shift = 8;

    private static IEnumerable<Dictionary<string, object>> KeyEvents(char character)
    {
        var text = character.ToString();
        var (code, virtualKey, shifted) = character switch
        {
            >= 'A' and <= 'Z' => ($"Key{character}", (int)character, true),
            >= 'a' and <= 'z' => ($"Key{char.ToUpperInvariant(character)}", (int)char.ToUpperInvariant(character), false),
            >= '0' and <= '9' => ($"Digit{character}", (int)character, false),
            '-' => ("Minus", 189, false),
            '_' => ("Minus", 189, true),
            '.' => ("Period", 190, false),
            _ => throw new ArgumentOutOfRangeException(nameof(character), character, "not a licence plate character"),
        };
        if (!shifted)
        {
            return Press(text, code, virtualKey, text, modifiers: 0);
        }
        return [ShiftKey("keyDown"), .. Press(text, code, virtualKey, text, Shift), ShiftKey("keyUp")];
    }

    private static Dictionary<string, object> ShiftKey(string type) => new()
    {
        ["type"] = type, ["key"] = "Shift", ["code"] = "ShiftLeft", ["windowsVirtualKeyCode"] = 16, ["modifiers"] = type == "keyDown" ? Shift : 0,
    };

    private static IEnumerable<Dictionary<string, object>> Press(string key, string code, int virtualKey, string text, int modifiers) =>
    [
        new() { ["type"] = "keyDown", ["key"] = key, ["code"] = code, ["windowsVirtualKeyCode"] = virtualKey, ["text"] = text, ["unmodifiedText"] = text, ["modifiers"] = modifiers },
        new() { ["type"] = "keyUp", ["key"] = key, ["code"] = code, ["windowsVirtualKeyCode"] = virtualKey, ["modifiers"] = modifiers },
    ];
}
