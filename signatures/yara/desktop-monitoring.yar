/*
  techcheck: YARA rules for computer monitoring programs and stalkerware.

  Own rules, written for techcheck. The strings are public facts about the products,
  taken from Microsoft Defender "MonitoringTool" detections as published in
  roadwy/DefenderYara (linked in each rule's `source`); no rule text is reused.

  Every rule checks the file type first (PE or Mach-O) and then needs either one string that
  only the product contains or two of its strings, so that ordinary programs do not match.
  Strings that ordinary software also contains (API names, "Keylogger", "stealth") are
  never used.
*/

rule techcheck_spyrix_macos
{
    meta:
        name = "Spyrix"
        type = "stalkerware"
        source = "https://github.com/roadwy/DefenderYara/blob/63fedb45b4243e50a3f85e9e4e3e45bb6f1a6b6f/MonitoringTool/MacOS/Spyrix/MonitoringTool_MacOS_Spyrix_K_MTB.yar"
        description = "Spyrix monitoring agent for macOS (Personal Monitor, Employee Monitoring, Keylogger)"
    strings:
        $id1 = "com.spyrix.skm" ascii
        $id2 = "com.spyrix.apskm" ascii
        $id3 = "com.spyrix.emp-helper" ascii
        $p1 = "/Library/skm/Spyrix.app" ascii
        $p2 = "/Library/emp/Spyrix.app" ascii
        $p3 = "/Library/akm/Spyrix.app" ascii
        $u1 = "dashboard.spyrix.com/" ascii
        $u2 = "spyrix.net/usr/monitor/" ascii
    condition:
        (uint32(0) == 0xfeedface or uint32(0) == 0xfeedfacf or uint32(0) == 0xcefaedfe or
         uint32(0) == 0xcffaedfe or uint32(0) == 0xcafebabe or uint32(0) == 0xbebafeca)
        and 2 of them
}

rule techcheck_refog_macos
{
    meta:
        name = "Refog"
        type = "stalkerware"
        source = "https://github.com/roadwy/DefenderYara/blob/63fedb45b4243e50a3f85e9e4e3e45bb6f1a6b6f/MonitoringTool/MacOS/Refog/MonitoringTool_MacOS_Refog_TA_xp.yar"
        description = "REFOG keylogger / monitor for macOS, which keeps its data in /Library/.Refog/"
    strings:
        $dir = "/Library/.Refog/" ascii
        $log = "Log.refog" ascii
        $url = "www.refog.com/mac/" ascii
        $src = "/Monitor/SSCrypto.m" ascii
    condition:
        (uint32(0) == 0xfeedface or uint32(0) == 0xfeedfacf or uint32(0) == 0xcefaedfe or
         uint32(0) == 0xcffaedfe or uint32(0) == 0xcafebabe or uint32(0) == 0xbebafeca)
        and $dir and 1 of ($log, $url, $src)
}

rule techcheck_hoverwatch_macos
{
    meta:
        name = "Hoverwatch"
        type = "stalkerware"
        source = "https://github.com/roadwy/DefenderYara/blob/95d7a68c353d805e68276acd6cf75ec5db4703b4/MonitoringTool/MacOS/Refog/MonitoringTool_MacOS_Refog_B_MTB.yar"
        description = "Hoverwatch computer monitor for macOS (Refog family)"
    strings:
        $id1 = "com.hoverwatch.monitor" ascii
        $id2 = "com.hw.hwinstaller" ascii
        $s1 = "MAChatGrabber" ascii
        $s2 = "installedMonitorURL" ascii
    condition:
        (uint32(0) == 0xfeedface or uint32(0) == 0xfeedfacf or uint32(0) == 0xcefaedfe or
         uint32(0) == 0xcffaedfe or uint32(0) == 0xcafebabe or uint32(0) == 0xbebafeca)
        and $id1 and 1 of ($id2, $s1, $s2)
}

rule techcheck_easemon_ikeymonitor_macos
{
    meta:
        name = "EaseMon / iKeyMonitor"
        type = "stalkerware"
        source = "https://github.com/roadwy/DefenderYara/blob/63fedb45b4243e50a3f85e9e4e3e45bb6f1a6b6f/MonitoringTool/MacOS/Easemon/MonitoringTool_MacOS_EaseMon_K_MTB.yar"
        description = "EaseMon / iKeyMonitor computer monitor for macOS (Awosoft)"
    strings:
        $api = "ikm.awsapi.io" ascii
        $la1 = "com.ikm.macos.useragent.plist" ascii
        $la2 = "com.ab.em.update.plist" ascii
        $dir = "/Library/Application Support/ikeymonitor-support/" ascii
        $port = "com.em.messageport.Update" ascii
    condition:
        (uint32(0) == 0xfeedface or uint32(0) == 0xfeedfacf or uint32(0) == 0xcefaedfe or
         uint32(0) == 0xcffaedfe or uint32(0) == 0xcafebabe or uint32(0) == 0xbebafeca)
        and 2 of them
}

rule techcheck_imonitor_eam_macos
{
    meta:
        name = "iMonitor EAM"
        type = "monitoring"
        source = "https://github.com/roadwy/DefenderYara/blob/63fedb45b4243e50a3f85e9e4e3e45bb6f1a6b6f/MonitoringTool/MacOS/iMonitor/MonitoringTool_MacOS_iMonitor_K_MTB.yar"
        description = "iMonitor EAM employee-monitoring agent for macOS"
    strings:
        $f1 = "/library/imonitor/keystrokes.cfg" ascii nocase
        $f2 = "/library/imonitor/lastping.txt" ascii nocase
        $s1 = "isimonitorrunning" ascii
        $s2 = "updateeamserverip" ascii
    condition:
        (uint32(0) == 0xfeedface or uint32(0) == 0xfeedfacf or uint32(0) == 0xcefaedfe or
         uint32(0) == 0xcffaedfe or uint32(0) == 0xcafebabe or uint32(0) == 0xbebafeca)
        and 2 of them
}

rule techcheck_refog_windows
{
    meta:
        name = "Refog / KGB Spy"
        type = "stalkerware"
        source = "https://github.com/roadwy/DefenderYara/blob/63fedb45b4243e50a3f85e9e4e3e45bb6f1a6b6f/MonitoringTool/Win32/RefogKeylogger/MonitoringTool_Win32_RefogKeylogger.yar"
        description = "REFOG Personal Monitor / Keylogger / KGB Spy for Windows"
    strings:
        $reg = "SOFTWARE\\Refog Software" ascii wide nocase
        $dll = "MPK64.dll" ascii wide nocase
        $view = "MPKView.exe" ascii wide nocase
        $inst = "MpkNetInstall.exe" ascii wide nocase
        $run = "runrefog" ascii wide
        $name = "REFOG Keylogger" ascii wide
    condition:
        uint16(0) == 0x5A4D and 2 of them
}

rule techcheck_spector_windows
{
    meta:
        name = "Spector / eBlaster (SpectorSoft, Veriato)"
        type = "monitoring"
        source = "https://github.com/roadwy/DefenderYara/blob/63fedb45b4243e50a3f85e9e4e3e45bb6f1a6b6f/MonitoringTool/Win32/Spector/MonitoringTool_Win32_Spector.yar"
        description = "SpectorSoft Spector / eBlaster recorder for Windows"
    strings:
        $pipe = "\\\\.\\pipe\\SpectorLiveLog" ascii wide
        $s1 = "ServiceSpector::Reinitialize" ascii
        $s2 = "--GtVerfyStng--" ascii
        $s3 = "AgentSettings.CaptureKeyStrokes" ascii
        $s4 = "TakeKeywordScreenshot" ascii
    condition:
        uint16(0) == 0x5A4D and ($pipe or 2 of ($s*))
}

rule techcheck_elite_keylogger_windows
{
    meta:
        name = "Elite Keylogger (WideStep)"
        type = "monitoring"
        source = "https://github.com/roadwy/DefenderYara/blob/63fedb45b4243e50a3f85e9e4e3e45bb6f1a6b6f/MonitoringTool/Win32/EliteKeylogger/MonitoringTool_Win32_EliteKeylogger.yar"
        description = "WideStep Elite Keylogger for Windows (its own registry key)"
    strings:
        $reg = "Software\\WideStep\\EliteKeylogger" ascii wide nocase
    condition:
        uint16(0) == 0x5A4D and $reg
}

rule techcheck_perfect_keylogger_windows
{
    meta:
        name = "Perfect Keylogger (Blazing Tools)"
        type = "monitoring"
        source = "https://github.com/roadwy/DefenderYara/blob/63fedb45b4243e50a3f85e9e4e3e45bb6f1a6b6f/MonitoringTool/Win32/PerfectKeylogger/MonitoringTool_Win32_PerfectKeylogger.yar"
        description = "Blazing Tools Perfect Keylogger for Windows"
    strings:
        $reg = "Software\\Blazing Tools" ascii wide nocase
        $hook = "bsdhooks.dll" ascii wide nocase
        $dir1 = "%APPDATA%\\BPK\\" ascii wide nocase
        $dir2 = "Program Files\\BPK" ascii wide nocase
        $win1 = "BPK Main Window" ascii wide
        $win2 = "PKL Window" ascii wide
    condition:
        uint16(0) == 0x5A4D and 2 of them
}

rule techcheck_ardamax_windows
{
    meta:
        name = "Ardamax Keylogger"
        type = "monitoring"
        source = "https://github.com/roadwy/DefenderYara/blob/4285531c38e0b489b28110f9db335ac072112bbf/MonitoringTool/Win32/Ardamax/MonitoringTool_Win32_Ardamax.yar"
        description = "Ardamax Keylogger and the logger it installs (AKL.dll), Windows"
    strings:
        $url = "www.ardamax.com/keylogger/" ascii wide nocase
        $lic = "ARDAMAX KEYLOGGER IS DISTRIBUTED" ascii wide
        $msg = "UWM_KEYHOOK_MSG-968C3043-1128-43dc-83A9-55122C8D87C1" ascii wide
        $dll = "AKL.dll" ascii wide
        $dir = "\\Ardamax Keylogger" ascii wide nocase
    condition:
        uint16(0) == 0x5A4D and ($msg or 2 of them)
}

rule techcheck_boss_everyware_windows
{
    meta:
        name = "Boss Everyware"
        type = "monitoring"
        source = "https://github.com/roadwy/DefenderYara/blob/63fedb45b4243e50a3f85e9e4e3e45bb6f1a6b6f/MonitoringTool/Win32/BossEveryware/MonitoringTool_Win32_BossEveryware.yar"
        description = "Boss Everyware monitor for Windows (its own registry key and loader)"
    strings:
        $reg = "Software\\Jmerik\\BossEveryware" ascii wide nocase
        $ldr = "bewldr32.exe /s" ascii wide nocase
    condition:
        uint16(0) == 0x5A4D and ($reg or $ldr)
}

rule techcheck_winspy_windows
{
    meta:
        name = "Win-Spy"
        type = "monitoring"
        source = "https://github.com/roadwy/DefenderYara/blob/63fedb45b4243e50a3f85e9e4e3e45bb6f1a6b6f/MonitoringTool/Win32/Winspy/MonitoringTool_Win32_Winspy.yar"
        description = "Win-Spy remote monitor for Windows, which hides as \\dll32\\csrss.exe"
    strings:
        $url1 = "www.win-spy.com" ascii wide nocase
        $url2 = "/Win-Spy.com" ascii wide nocase
        $name = "Win-Spy Software" ascii wide
        $mail = "admin@win-spy.com" ascii wide nocase
        $f1 = "\\dll32\\csrss.exe" ascii wide nocase
        $f2 = "\\dll32\\services.exe" ascii wide nocase
    condition:
        uint16(0) == 0x5A4D and 2 of them
}
