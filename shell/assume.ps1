# keyfob for PowerShell. In $PROFILE:  keyfob shell-init powershell | Out-String | Invoke-Expression
# `assume` runs keyfob's backend and evaluates its stdout, which is only the exports
# ($env:NAME = '…' lines, single-quoted). Commands that print something else (--exec, --,
# --console, --url, --help, --list-profiles) run without capture, so their output is never evaluated.
# Tells `keyfob doctor` (a child of this shell) that the shim is loaded.
$env:KEYFOB_SHELL_SHIM = 'powershell'

function assume {
    $passThrough = @('--exec', '-x', '--', '-c', '--console', '--url', '-h', '--help', '--list-profiles')
    if ($args | Where-Object { $passThrough -contains $_ }) {
        & __KEYFOB_BIN__ assume --shell powershell @args
        return
    }
    $script = & __KEYFOB_BIN__ assume --shell powershell @args
    if ($LASTEXITCODE -eq 0 -and $script) {
        Invoke-Expression ($script -join "`n")
    }
}

Register-ArgumentCompleter -CommandName assume -Native -ScriptBlock {
    param($wordToComplete)
    & __KEYFOB_BIN__ assume --list-profiles 2>$null |
        Where-Object { $_.StartsWith($wordToComplete) } |
        ForEach-Object { "'" + ($_ -replace "'", "''") + "'" }
}
