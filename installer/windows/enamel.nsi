; Enamel for Windows: per-machine installer (Program Files, admin), silent install with a
; provisioning file, Start-menu shortcut, uninstaller that keeps the practice data unless asked.
;
; Build (installer/build_windows.sh does this):
;   makensis -DPAYLOAD=dist\enamel -DVERSION=0.1.0 -DOUTFILE=dist\enamel-setup.exe installer\windows\enamel.nsi
; PAYLOAD is the PyInstaller onedir bundle built on Windows (enamel.exe, enamel-admin.exe,
; enamel-hub.exe, _internal\). NOCOMPRESS=1 stores everything uncompressed (the tests read the
; compiled installer's strings).
;
; Command line (all optional):
;   /S                       silent
;   /D=C:\path               installation folder (NSIS built-in; must be last; spaces allowed,
;                            unquoted as NSIS wants, or quoted as tools such as Wine write it)
;   /PROVISION=file          run 'enamel-admin provision file' after installing
;   /PASSPHRASE-OUT=file     where provision writes a new installation's recovery passphrase
;                            (required with /S, where nobody sees the console)
;   /DATADIR=folder          the data folder for every user of this PC (sets ENAMEL_DATA_DIR)
;   /DELETE-PROVISION        delete the provisioning file once its secrets are stored
;   /HUB=1                   this PC is the practice hub: register the Windows service EnamelHub
;                            (enamel-hub.exe, data in C:\ProgramData\Enamel Hub); /HUB=0 leaves
;                            it out. The same as the components page's "This PC is the practice
;                            hub" box, which is ticked by default when the service exists already.
; A value with spaces is quoted, either way: "/DATADIR=C:\Enamel Data" or /DATADIR="C:\Enamel Data".
; An unknown or empty option stops the installer (exit 2) rather than being guessed at.
; Uninstaller: /S silent; /REMOVEDATA also deletes the data folder (otherwise kept).
; Exit code: 0 done; 2 provisioning refused or failed (the program itself is installed).

Unicode true
Target amd64-unicode  ; a 64-bit installer: a 32-bit one under 64-bit Windows sees the 32-bit registry and folders
!ifndef COMPRESSOR
  !define COMPRESSOR "/SOLID lzma"
!endif
!ifdef NOCOMPRESS
  SetCompress off
!else
  SetCompressor ${COMPRESSOR}
!endif
ManifestDPIAware true

!ifndef PAYLOAD
  !error "Give the bundle folder: makensis -DPAYLOAD=path\to\enamel ..."
!endif
!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef OUTFILE
  !define OUTFILE "enamel-setup-${VERSION}.exe"
!endif

!define APP "Enamel"
!define PUBLISHER "Enamel"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"
!define ENV_KEY "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"
!define HUB_SERVICE "EnamelHub"
!define HUB_FIREWALL_RULE "Enamel practice hub"

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"
!include "WinMessages.nsh"
!include "Sections.nsh"

Name "${APP} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP}"
InstallDirRegKey HKLM "${UNINST_KEY}" "InstallLocation"
RequestExecutionLevel admin
ShowInstDetails show
ShowUninstDetails show
BrandingText "${APP} ${VERSION}"

!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_ABORTWARNING

!define MUI_COMPONENTSPAGE_TEXT_TOP "Tick 'This PC is the practice hub' only on the office server (or the always-on PC) that keeps the practice's accounts for all its workstations. Every other PC leaves it out."
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\enamel.exe"
!define MUI_FINISHPAGE_RUN_NOTCHECKED
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!define MUI_COMPONENTSPAGE_TEXT_TOP "The practice data (encrypted database, recovery file, logs) is kept unless you tick the box. Remove it only when this PC leaves the practice and its audit trail is archived."
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APP}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APP} installer"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "${PUBLISHER}"

Var Provision
Var PassphraseOut
Var DataDir
Var DeleteProvision
Var Hub    ; "1" with /HUB=1, "0" with /HUB=0, "" when not given
Var Args   ; the parameters not yet read, left to right
Var Token  ; the argument NextToken read, its quotes removed

; Read the next argument of $Args into $Token, as Windows programs split a command line:
; blanks separate arguments, a double quote starts or ends a quoted stretch and is dropped,
; so "/DATADIR=C:\Enamel Data" and /DATADIR="C:\Enamel Data" are the same argument.
; /D= takes the rest of the line, as NSIS itself does (it must be last; spaces allowed), also
; when a tool quoted it ("/D=C:\Program Files\Enamel"), which NSIS does not recognise.
; Sets the error flag when no argument is left.
Function NextToken
  StrCpy $Token ""
  StrCpy $R5 0  ; inside quotes
  ${Do}
    StrCpy $R7 $Args 1
    ${If} $R7 != " "
    ${AndIf} $R7 != "$\t"
      ${ExitDo}
    ${EndIf}
    StrCpy $Args $Args "" 1
  ${Loop}
  ${If} $Args == ""
    SetErrors
    Return
  ${EndIf}
  ${Do}
    StrCpy $R7 $Args 1
    ${IfThen} $R7 == "" ${|} ${ExitDo} ${|}
    StrCpy $Args $Args "" 1
    ${If} $R7 == '"'
      IntOp $R5 1 - $R5
      ${Continue}
    ${EndIf}
    ${If} $R5 == 0
      ${IfThen} $R7 == " " ${|} ${ExitDo} ${|}
      ${IfThen} $R7 == "$\t" ${|} ${ExitDo} ${|}
    ${EndIf}
    StrCpy $Token "$Token$R7"
    ${If} $Token == "/D="
      ; The rest of the line, without its quotes.
      ${Do}
        StrCpy $R7 $Args 1
        ${IfThen} $R7 == "" ${|} ${ExitDo} ${|}
        StrCpy $Args $Args "" 1
        ${IfThen} $R7 != '"' ${|} StrCpy $Token "$Token$R7" ${|}
      ${Loop}
    ${EndIf}
  ${Loop}
FunctionEnd

; A folder without its trailing backslashes: "C:\Enamel Data\" would end a quoted argument
; with \", which Windows reads as a literal quote that swallows the rest of the command line.
Function TrimFolder
  Exch $R0
  ${Do}
    StrCpy $R1 $R0 1 -1
    ${IfThen} $R1 != "\" ${|} ${ExitDo} ${|}
    StrCpy $R0 $R0 -1
  ${Loop}
  Exch $R0
FunctionEnd

Function BadOption
  MessageBox MB_ICONSTOP|MB_OK "Unknown or empty option: $Token$\r$\nOptions: /S /PROVISION=file /PASSPHRASE-OUT=file /DATADIR=folder /DELETE-PROVISION /HUB=1 /D=folder (last)." /SD IDOK
  SetErrorLevel 2
  Quit
FunctionEnd

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP|MB_OK "${APP} needs 64-bit Windows." /SD IDOK
    SetErrorLevel 2
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
  StrCpy $Provision ""
  StrCpy $PassphraseOut ""
  StrCpy $DataDir ""
  StrCpy $DeleteProvision ""
  StrCpy $Hub ""
  ${GetParameters} $Args
  ${Do}
    ClearErrors
    Call NextToken
    ${IfThen} ${Errors} ${|} ${ExitDo} ${|}
    StrCpy $R0 $Token 11
    StrCpy $R1 $Token 16
    StrCpy $R2 $Token 9
    StrCpy $R3 $Token 3
    ${If} $R0 == "/PROVISION="
      StrCpy $Provision $Token "" 11
      ${IfThen} $Provision == "" ${|} Call BadOption ${|}
    ${ElseIf} $R1 == "/PASSPHRASE-OUT="
      StrCpy $PassphraseOut $Token "" 16
      ${IfThen} $PassphraseOut == "" ${|} Call BadOption ${|}
    ${ElseIf} $R2 == "/DATADIR="
      Push $Token
      Call TrimFolder
      Pop $DataDir
      StrCpy $DataDir $DataDir "" 9
      ${IfThen} $DataDir == "" ${|} Call BadOption ${|}
    ${ElseIf} $Token == "/DELETE-PROVISION"
      StrCpy $DeleteProvision "--delete-after"
    ${ElseIf} $Token == "/HUB=1"
      StrCpy $Hub "1"
    ${ElseIf} $Token == "/HUB=0"
      StrCpy $Hub "0"
    ${ElseIf} $R3 == "/D="
      ; Only reached when the option was quoted: NSIS took an unquoted one already.
      Push $Token
      Call TrimFolder
      Pop $R4
      StrCpy $INSTDIR $R4 "" 3  ; through $R4: NSIS cleans up what is assigned to $INSTDIR
    ${ElseIf} $Token == "/S"
    ${OrIf} $Token == "/NCRC"
      ; NSIS's own
    ${Else}
      Call BadOption
    ${EndIf}
  ${Loop}
  ${If} $Provision != ""
  ${AndIfNot} ${FileExists} "$Provision"
    MessageBox MB_ICONSTOP|MB_OK "The provisioning file $Provision does not exist." /SD IDOK
    SetErrorLevel 2
    Abort
  ${EndIf}
  Call ChooseHub
FunctionEnd

Section "Enamel" SecMain
  SectionIn RO
  ; A running hub holds its program's files open: stop it first (net waits until it has stopped;
  ; on a PC without the service it only says so).
  nsExec::ExecToLog '"$SYSDIR\net.exe" stop ${HUB_SERVICE}'
  Pop $0
  SetOutPath "$INSTDIR"
  ; A previous version's files go first: a stale library next to a new one breaks the bundle.
  RMDir /r "$INSTDIR\_internal"
  File /r "${PAYLOAD}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\enamel.exe" "" "$INSTDIR\enamel.exe" 0

  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\enamel.exe,0"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" "$0"

  ${If} $DataDir != ""
    ; Every user of this PC (and every enamel/enamel-admin started later) uses this folder.
    WriteRegExpandStr HKLM "${ENV_KEY}" "ENAMEL_DATA_DIR" "$DataDir"
    WriteRegStr HKLM "${UNINST_KEY}" "EnamelDataDir" "$DataDir"
    SendMessage ${HWND_BROADCAST} ${WM_WININICHANGE} 0 "STR:Environment" /TIMEOUT=2000
  ${EndIf}

  ${If} $Provision != ""
    Call Provision
  ${EndIf}
SectionEnd

Section /o "This PC is the practice hub" SecHub
  ; The Windows service EnamelHub runs 'enamel-hub serve' (as LocalSystem) on the hub's own data
  ; folder, starts with Windows and is restarted when it fails. Every quote inside binPath is
  ; written \" (sc.exe's own quoting), so paths with spaces stay whole.
  StrCpy $R0 "$APPDATA\${APP} Hub"  ; C:\ProgramData\Enamel Hub (all users' context)
  StrCpy $R1 '\"$INSTDIR\enamel-hub.exe\" --windows-service serve --data-dir \"$R0\"'
  DetailPrint "Practice hub service ${HUB_SERVICE}: $INSTDIR\enamel-hub.exe, data in $R0"
  nsExec::ExecToLog '"$SYSDIR\sc.exe" create ${HUB_SERVICE} binPath= "$R1" start= auto DisplayName= "Enamel practice hub"'
  Pop $0
  ${If} $0 != 0
    ; It exists already (an upgrade or a reinstall): point it at this installation.
    nsExec::ExecToLog '"$SYSDIR\sc.exe" config ${HUB_SERVICE} binPath= "$R1" start= auto DisplayName= "Enamel practice hub"'
    Pop $0
  ${EndIf}
  ${If} $0 != 0
    DetailPrint "The hub service could not be registered (exit code $0)."
    MessageBox MB_ICONEXCLAMATION|MB_OK "Enamel is installed, but the practice hub service could not be registered (exit code $0). See the installer details." /SD IDOK
    SetErrorLevel 2
    Return
  ${EndIf}
  nsExec::ExecToLog '"$SYSDIR\sc.exe" description ${HUB_SERVICE} "Accounts, sign-in checks and practice settings for the Enamel workstations of the office."'
  Pop $0
  ; Restarted 5 s after a failure (also after stopping with an error code), like Restart=on-failure.
  nsExec::ExecToLog '"$SYSDIR\sc.exe" failure ${HUB_SERVICE} reset= 86400 actions= restart/5000/restart/5000/restart/60000'
  Pop $0
  nsExec::ExecToLog '"$SYSDIR\sc.exe" failureflag ${HUB_SERVICE} 1'
  Pop $0
  ; Workstations reach the hub over the office network: let its program take connections
  ; on private and domain networks (not public ones).
  nsExec::ExecToLog '"$SYSDIR\netsh.exe" advfirewall firewall delete rule name="${HUB_FIREWALL_RULE}"'
  Pop $0
  nsExec::ExecToLog '"$SYSDIR\netsh.exe" advfirewall firewall add rule name="${HUB_FIREWALL_RULE}" dir=in action=allow program="$INSTDIR\enamel-hub.exe" enable=yes profile=private,domain'
  Pop $0
  WriteRegStr HKLM "${UNINST_KEY}" "EnamelHubDataDir" "$R0"
  ; The hub serves once 'enamel-admin hub init' has made its state; until then the service is
  ; registered and waits (IT starts it after init: sc.exe start EnamelHub).
  ${If} ${FileExists} "$R0\*.*"
    nsExec::ExecToLog '"$SYSDIR\sc.exe" start ${HUB_SERVICE}'
    Pop $0
    DetailPrint "Practice hub service started (exit code $0)."
  ${Else}
    DetailPrint "The practice hub has no data yet: run 'enamel-admin hub init --data-dir $\"$R0$\"', then 'sc.exe start ${HUB_SERVICE}'."
  ${EndIf}
SectionEnd

; /HUB=1 or /HUB=0 decide; without either, the box starts ticked when the service exists
; (an upgrade of the hub keeps it).
Function ChooseHub
  ${If} $Hub == ""
    nsExec::ExecToStack '"$SYSDIR\sc.exe" query ${HUB_SERVICE}'
    Pop $0
    Pop $1
    ${IfThen} $0 == 0 ${|} StrCpy $Hub "1" ${|}
  ${EndIf}
  ${If} $Hub == "1"
    !insertmacro SelectSection ${SecHub}
  ${Else}
    !insertmacro UnselectSection ${SecHub}
  ${EndIf}
FunctionEnd

Function Provision
  ${If} ${Silent}
  ${AndIf} $PassphraseOut == ""
    ; A new installation's recovery passphrase would be printed where nobody can read it.
    DetailPrint "Provisioning skipped: a silent install needs /PASSPHRASE-OUT=file."
    SetErrorLevel 2
    Return
  ${EndIf}
  StrCpy $R2 ""
  ${If} $PassphraseOut != ""
    StrCpy $R2 '--passphrase-out "$PassphraseOut"'
  ${EndIf}
  StrCpy $R3 ""
  ${If} $DataDir != ""
    StrCpy $R3 '--data-dir "$DataDir"'
  ${EndIf}
  DetailPrint "Provisioning from $Provision"
  nsExec::ExecToLog '"$INSTDIR\enamel-admin.exe" $R3 provision "$Provision" $R2 $DeleteProvision'
  Pop $0
  ${If} $0 != 0
    DetailPrint "Provisioning failed (exit code $0); see the lines above."
    MessageBox MB_ICONEXCLAMATION|MB_OK "Enamel is installed, but provisioning failed (exit code $0). See the installer details, fix the file and run 'enamel-admin provision' again." /SD IDOK
    SetErrorLevel 2
  ${Else}
    nsExec::ExecToLog '"$INSTDIR\enamel.exe" $R3 --self-test'
    Pop $1
    DetailPrint "Self-test exit code: $1"
  ${EndIf}
FunctionEnd

; ---------------------------------------------------------------- uninstaller

Section "un.Enamel" UnSecMain
  SectionIn RO
  SetShellVarContext all
  ; The hub's service and firewall rule go with the program; its data folder stays.
  nsExec::ExecToLog '"$SYSDIR\net.exe" stop ${HUB_SERVICE}'
  Pop $0
  nsExec::ExecToLog '"$SYSDIR\sc.exe" delete ${HUB_SERVICE}'
  Pop $0
  nsExec::ExecToLog '"$SYSDIR\netsh.exe" advfirewall firewall delete rule name="${HUB_FIREWALL_RULE}"'
  Pop $0
  ; A hub that is restarting after a failure (or a stop that has not finished) still holds
  ; the bundle's modules open: end it, then remove the files, trying again while they are held.
  nsExec::ExecToLog '"$SYSDIR\taskkill.exe" /F /T /IM enamel-hub.exe'
  Pop $0
  Delete "$SMPROGRAMS\${APP}.lnk"
  StrCpy $1 0
  un_remove_files:
  RMDir /r "$INSTDIR\_internal"
  ${If} ${FileExists} "$INSTDIR\_internal\*.*"
  ${AndIf} $1 < 10
    IntOp $1 $1 + 1
    Sleep 1000
    nsExec::ExecToLog '"$SYSDIR\taskkill.exe" /F /T /IM enamel-hub.exe'
    Pop $0
    Goto un_remove_files
  ${EndIf}
  Delete "$INSTDIR\enamel.exe"
  Delete "$INSTDIR\enamel-admin.exe"
  Delete "$INSTDIR\enamel-hub.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  ; ENAMEL_DATA_DIR stays with the kept data, so a reinstall finds it.
SectionEnd

Section /o "un.Remove the practice data on this PC" UnSecData
  ReadRegStr $0 HKLM "${UNINST_KEY}" "EnamelDataDir"
  ${If} $0 == ""
    SetShellVarContext current
    StrCpy $0 "$LOCALAPPDATA\${APP}"
  ${EndIf}
  DetailPrint "Removing the practice data in $0"
  RMDir /r "$0"
  DeleteRegValue HKLM "${ENV_KEY}" "ENAMEL_DATA_DIR"
  SendMessage ${HWND_BROADCAST} ${WM_WININICHANGE} 0 "STR:Environment" /TIMEOUT=2000
SectionEnd

Section "-un.Registry"
  DeleteRegKey HKLM "${UNINST_KEY}"
SectionEnd

Function un.onInit
  SetRegView 64
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/REMOVEDATA" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${UnSecData}
  ${EndIf}
FunctionEnd
