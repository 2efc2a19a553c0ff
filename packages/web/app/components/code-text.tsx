// A text with reason codes in it ("STOP not carried out: UNSUPPORTED_BY_FIRMWARE") that may break
// after a code's underscores when its column is narrow, rather than mid-word ("FIRMWA|RE"). The
// breaks are <wbr>: the text reads, copies and searches as before.

import { Fragment } from "react";

export function CodeText({ text }: { text: string }) {
  const parts = text.split("_");
  return (
    <>
      {parts.map((part, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed text, never reordered
        <Fragment key={index}>
          {index > 0 && (
            <>
              _<wbr />
            </>
          )}
          {part}
        </Fragment>
      ))}
    </>
  );
}
